"""One container shared by many threads, as the API's worker threads share it: searches while documents are
ingested, searches racing to refresh the BM25 index, ingests racing each other (catalog, local Qdrant, BM25).

Threads are released together by a barrier; nothing here depends on timing.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from pathlib import Path

from ingest.catalog import Catalog, ChunkRecord, DocumentRecord
from ingest.models import Access, DocType
from tests.conftest import write


def law(n: int, articles: int = 3, version: str = "") -> str:
    body = "\n\n".join(f"第{j + 1}条 示范县第{n}号规定{version}：永久基本农田保护第{j + 1}项要求，"
                       f"城镇开发边界内地块容积率不得超过{j + 1}.5。" for j in range(articles))
    return f"# 示范县第{n}号土地管理规定\n\n{body}\n"


def together(n: int, work: Callable[[int], None]) -> list[str]:
    """Run ``work(i)`` in ``n`` threads released at once; the tracebacks of those that failed."""
    barrier = threading.Barrier(n)
    errors: list[str] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            work(i)
        except Exception:
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_catalog_writers_and_readers_in_threads_see_whole_versions(tmp_path: Path) -> None:
    """One connection, many threads: no transaction inside another's, no read of another's uncommitted rows."""
    catalog = Catalog(tmp_path / "catalog.sqlite")
    chunks_per_doc = 20

    def replace(doc: int, version: int) -> None:
        record = DocumentRecord(f"doc{doc}", f"规定{doc}", f"v{version}", DocType.REGULATION, Access.PUBLIC, "",
                                f"/x/{doc}.md", f"hash{version}")
        catalog.replace_document(record, [ChunkRecord(f"doc{doc}-{version}-{k}", f"doc{doc}", k, f"第{k}条", (), "article",
                                                      "正文", ("正文",)) for k in range(chunks_per_doc)])

    for doc in range(4):
        replace(doc, 0)
    seen: list[int] = []

    def work(i: int) -> None:
        for version in range(1, 30):
            if i < 4:
                replace(i, version)  # four writers, one document each
            else:
                seen.extend(len(catalog.chunk_ids(f"doc{d}")) for d in range(4))  # four readers

    assert together(8, work) == []
    assert set(seen) == {chunks_per_doc}  # never a document between its old and new chunks
    assert len(catalog.documents()) == 4
    catalog.close()


def test_searches_racing_after_a_catalog_change_rebuild_the_lexical_index_once(container, tmp_path: Path) -> None:
    for n in range(3):
        write(tmp_path / "docs" / f"law{n}.md", law(n))
    assert not container.ingest.ingest([tmp_path / "docs"]).failed
    gone = next(d for d in container.catalog.documents() if d.source_path.endswith("law0.md"))
    container.catalog.delete_document(gone.doc_id)  # the BM25 index is now stale, as right after any ingest
    rebuilds = []
    rebuild = container.lexical.rebuild
    container.lexical.rebuild = lambda *a, **k: (rebuilds.append(1), rebuild(*a, **k))[1]
    titles: list[set[str]] = []

    def work(i: int) -> None:
        titles.append({h.doc_title for h in container.search.search("永久基本农田 容积率", k=5, mode="bm25").hits})

    assert together(12, work) == []
    assert len(rebuilds) == 1
    assert len(titles) == 12
    assert all(t and gone.title not in t for t in titles)


def test_searches_while_documents_are_ingested(container, tmp_path: Path) -> None:
    """An upload while others search: local-mode Qdrant and the BM25 index change under the readers."""
    write(tmp_path / "first" / "law0.md", law(0, articles=10))
    assert not container.ingest.ingest([tmp_path / "first"]).failed
    done = threading.Event()
    searches = []

    def work(i: int) -> None:
        if i == 0:
            try:
                for n in range(1, 5):
                    outcome = container.ingest.ingest_file(write(tmp_path / "more" / f"law{n}.md", law(n, articles=30)))
                    assert outcome.status == "added", outcome.error
            finally:
                done.set()
            return
        while not done.is_set():
            mode = ("vector", "bm25", "hybrid")[len(searches) % 3]
            assert container.search.search("永久基本农田保护要求", k=5, mode=mode).hits
            searches.append(mode)

    assert together(6, work) == []
    assert searches
    docs = container.catalog.documents()
    assert len(docs) == 5
    assert container.vectors.count() == sum(d.n_chunks for d in docs)


def test_ingests_in_threads(container, tmp_path: Path) -> None:
    """Uploads at once (POST /documents in worker threads), added and then updated: all land, once each."""
    paths = [tmp_path / "docs" / f"law{n}.md" for n in range(8)]
    outcomes: list[str] = []

    def work(i: int) -> None:
        outcome = container.ingest.ingest_file(paths[i])
        assert outcome.status in ("added", "updated"), outcome.error
        outcomes.append(outcome.status)

    for version in ("", "（修订）", "（二次修订）"):
        for n, path in enumerate(paths):
            write(path, law(n, articles=4, version=version))
        assert together(len(paths), work) == []
    assert sorted(outcomes) == ["added"] * 8 + ["updated"] * 16
    docs = container.catalog.documents()
    assert len(docs) == 8
    assert container.vectors.count() == sum(d.n_chunks for d in docs)  # the earlier versions' points are gone
    assert all("（二次修订）" in c.text for d in docs for c in container.catalog.chunks_of(d.doc_id))
