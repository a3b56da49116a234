"""``retrieval``: does search put the gold passage near the top?

Dataset (JSONL): ``{"id", "question", "gold": [{"doc_title", "locator", "version"?}], "category"?}``.
A hit matches when its document title and locator equal a gold pair (and its version, where
the gold gives one).  Metrics over the hybrid ranking: recall@1/5/10, MRR and nDCG@10; the
baselines rank the same questions by BM25 alone and by vectors alone.  Searches run as admin
over the workspace's documents, so ingest the corpus first (``onemap ingest ../shared/corpus``).
"""

from __future__ import annotations

import time
from pathlib import Path

from pydantic import BaseModel, Field

from assistant.access import Role
from eval.contract import ROOT, Prediction
from eval.jsonl import read_jsonl
from eval.metrics import ndcg_at, recall_at, reciprocal_rank
from eval.suites.base import Context, Dataset, Outcome, mean

K = 10
METRICS = ("recall@1", "recall@5", "recall@10", "mrr", "ndcg@10")


class GoldPassage(BaseModel):
    doc_title: str = Field(min_length=1)
    locator: str = Field(min_length=1)
    version: str | None = None


class RetrievalItem(BaseModel):
    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    gold: list[GoldPassage] = Field(min_length=1)
    category: str | None = None


def matches(hit, gold: list[GoldPassage]) -> bool:
    return any(hit.doc_title == g.doc_title and hit.locator == g.locator
               and (not g.version or hit.version == g.version) for g in gold)


def scores(flags: list[bool], n_gold: int) -> dict[str, float]:
    """The per-question scores of one ranking.

    >>> scores([False, True] + [False] * 8, 1)["mrr"]
    0.5
    """
    return {"recall@1": recall_at(flags, 1), "recall@5": recall_at(flags, 5), "recall@10": recall_at(flags, 10),
            "mrr": reciprocal_rank(flags), "ndcg@10": ndcg_at(flags, K, n_gold)}


def summarise(rows: list[dict[str, float]]) -> dict[str, float | None]:
    return {m: mean([r[m] for r in rows]) for m in METRICS}


class RetrievalSuite:
    name = "retrieval"
    title = "检索：金标条文的召回（recall@k、MRR、nDCG）"
    needs_model = False
    modes = ("hybrid", "bm25", "vector")

    def default_dataset(self) -> Path | None:
        return ROOT / "bench" / "data" / "retrieval_gold.jsonl"

    def load(self, path: Path) -> Dataset:
        items, malformed = read_jsonl(path, RetrievalItem)
        return Dataset(path=Path(path), items=items, malformed=malformed)

    def run(self, dataset: Dataset, ctx: Context) -> Outcome:
        from eval.jsonl import DatasetFileError

        container = ctx.container()
        if not container.catalog.documents():
            raise DatasetFileError(f"the workspace {container.settings.workspace} holds no documents: "
                                   "ingest the corpus first (onemap ingest ../shared/corpus)")
        modes = self.modes if ctx.options.get("baseline", True) else ("hybrid",)
        per_mode: dict[str, list[dict[str, float]]] = {m: [] for m in modes}
        by_category: dict[str, list[dict[str, float]]] = {}
        predictions = []
        items: list[RetrievalItem] = dataset.items
        for done, item in enumerate(items, start=1):
            line: dict = {}
            for mode in modes:
                t0 = time.perf_counter()
                hits = container.search.search(item.question, k=K, role=Role.ADMIN, mode=mode).hits
                ms = round((time.perf_counter() - t0) * 1000, 1)
                flags = [matches(h, item.gold) for h in hits]
                row = scores(flags, len(item.gold))
                per_mode[mode].append(row)
                ranked = [f"{h.doc_title} {h.locator}" for h in hits]
                first = next((i for i, f in enumerate(flags, start=1) if f), None)
                if mode == "hybrid":
                    by_category.setdefault(item.category or "all", []).append(row)
                    line = {"id": item.id, "prediction": ranked, "gold": [f"{g.doc_title} {g.locator}"
                                                                         for g in item.gold],
                            "correct": bool(row["recall@5"]), "latency_ms": ms, "rank": first,
                            "subject": item.category, "question": item.question, "baselines": {}}
                else:
                    line["baselines"][mode] = {"prediction": ranked[:5], "rank": first,
                                               "correct": bool(row["recall@5"]), "latency_ms": ms}
            predictions.append(Prediction(**line))
            ctx.tick(done, len(items))
        per_subject = {}
        if len(by_category) > 1 or "all" not in by_category:
            per_subject = {c: {"n": len(rows), **summarise(rows)} for c, rows in sorted(by_category.items())}
        return Outcome(metrics=summarise(per_mode["hybrid"]), predictions=predictions, per_subject=per_subject,
                       baselines={m: summarise(per_mode[m]) for m in modes if m != "hybrid"},
                       notes=["correct = a gold passage in the first 5 hits (hybrid); baselines rank the same "
                              "questions by BM25 alone and by vectors alone."])


SUITE = RetrievalSuite()
