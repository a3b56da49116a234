"""BM25 over jieba tokens (bm25s), rebuilt from the catalog when it changes.

The index is saved in the workspace with the catalog revision it was built
from; a stale index (another process ingested since) is rebuilt on load.
Access is filtered inside the query with a weight mask.  Safe to share between threads: the index
is brought up to date (loaded or rebuilt) under a lock, once, and each query reads one consistent
version of it.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

from ingest.catalog import Catalog
from ingest.models import Access


@dataclass(frozen=True)
class LexicalHit:
    chunk_id: str
    score: float


class LexicalIndex:
    def __init__(self, folder: Path, catalog: Catalog) -> None:
        self.folder = folder
        self.catalog = catalog
        self._revision = -1
        self._model: bm25s.BM25 | None = None
        self._ids: list[str] = []
        self._access_rank = np.zeros(0, dtype=np.int8)
        # Without it, searches in several threads after a catalog change each rebuild the index at once,
        # racing on the bm25.tmp folder (FileExistsError, FileNotFoundError), and read half-set state.
        self._lock = threading.RLock()

    def _current(self) -> tuple[bm25s.BM25 | None, list[str], np.ndarray]:
        """The index of the catalog's current revision: model, chunk ids, access ranks (one version)."""
        with self._lock:
            revision = self.catalog.revision
            if revision != self._revision and not self._load(revision):
                self.rebuild(revision)
            return self._model, self._ids, self._access_rank

    def rebuild(self, revision: int | None = None) -> None:
        with self._lock:
            self._rebuild(revision)

    def _rebuild(self, revision: int | None) -> None:
        revision = self.catalog.revision if revision is None else revision
        rows = self.catalog.all_chunks()
        self._ids = [r[0] for r in rows]
        self._access_rank = np.array([Access(r[1]).rank for r in rows], dtype=np.int8)
        self._model = None
        if rows:
            model = bm25s.BM25()
            model.index([list(r[2]) or ["∅"] for r in rows], show_progress=False)
            self._model = model
        self._revision = revision
        self._save()

    def _save(self) -> None:
        tmp = self.folder.with_name(self.folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self._model is not None:
            self._model.save(str(tmp), show_progress=False)
        np.save(tmp / "access.npy", self._access_rank)
        (tmp / "ids.json").write_text(json.dumps({"revision": self._revision, "ids": self._ids}))
        shutil.rmtree(self.folder, ignore_errors=True)
        tmp.rename(self.folder)

    def _load(self, revision: int) -> bool:
        meta = self.folder / "ids.json"
        if not meta.exists():
            return False
        data = json.loads(meta.read_text())
        if data["revision"] != revision:
            return False
        self._ids = data["ids"]
        self._access_rank = np.load(self.folder / "access.npy")
        self._model = bm25s.BM25.load(str(self.folder), show_progress=False) if self._ids else None
        self._revision = revision
        return True

    def query(self, tokens: Sequence[str], *, top_k: int, max_access: Access) -> list[LexicalHit]:
        model, ids, access_rank = self._current()
        if model is None or not tokens:
            return []
        mask = (access_rank <= max_access.rank).astype(np.float32)
        scores = model.get_scores(list(tokens), weight_mask=mask)
        k = min(top_k, int(np.count_nonzero(scores)))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [LexicalHit(ids[i], float(scores[i])) for i in top]
