"""The real corpus (../shared/corpus) reads and chunks without failure, with every article located."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.chunking import chunk_blocks
from ingest.identity import infer_doc_type, split_title_version
from ingest.pipeline import collect_files
from ingest.readers import read_document

pytestmark = pytest.mark.corpus
_ARTICLE = re.compile(r"^(第[一二三四五六七八九十百千零〇\d]+条(?:之[一二三四五六七八九十]+)?)[\s　]")


def test_all_168_documents_read_and_chunk(shared_corpus: Path) -> None:
    files = collect_files([shared_corpus])
    assert len(files) == 168
    empty = []
    for path in files:
        title, _ = split_title_version(path.stem)
        drafts = chunk_blocks(read_document(path).blocks, infer_doc_type(title, path))
        if not drafts:
            empty.append(path.name)
    assert not empty


def test_every_law_article_is_a_locator_in_order(shared_corpus: Path) -> None:
    checked = 0
    for path in collect_files([shared_corpus / "laws"]):
        expected = [m.group(1) for line in path.read_text(encoding="utf-8").splitlines()
                    if (m := _ARTICLE.match(line))]
        if not expected:
            continue
        title, _ = split_title_version(path.stem)
        drafts = chunk_blocks(read_document(path).blocks, infer_doc_type(title, path))
        located = []
        for d in drafts:
            if d.locator.startswith("第") and d.locator.endswith(("条",)) and (not located or located[-1] != d.locator):
                located.append(d.locator)
        assert located == expected, path.name
        checked += 1
    assert checked >= 150
