"""Retrieval quality on ../shared/corpus: recall@1/5/10, MRR and nDCG@10 for BM25, vectors and hybrid.

Usage: python bench/retrieval.py [--corpus DIR] [--gold FILE ...] [--workspace DIR] [--show-misses]
Each gold file names (doc_title, locator) per question. By default both sets run:
bench/data/retrieval_gold.jsonl (used while tuning) and bench/data/retrieval_heldout.jsonl
(written afterwards, blind to the lexicon and to the first set); each is reported, then all together.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from _common import ROOT, commit, corpus_container, corpus_dir, machine

from assistant.access import Role
from eval.metrics import ndcg_at, recall_at, reciprocal_rank


def load_gold(path: Path) -> list[dict]:
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as exc:
                sys.exit(f"{path}:{n}: not JSON: {exc}")
    return items


def matches(hit, gold: list[dict]) -> bool:
    return any(hit.doc_title == g["doc_title"] and hit.locator == g["locator"]
               and (not g.get("version") or hit.version == g["version"]) for g in gold)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus")
    parser.add_argument("--gold", nargs="+", default=[str(ROOT / "bench/data/retrieval_gold.jsonl"),
                                                      str(ROOT / "bench/data/retrieval_heldout.jsonl")])
    parser.add_argument("--workspace", default=str(ROOT / "workspace/bench"))
    parser.add_argument("--out", default=str(ROOT / "bench/results/retrieval.json"))
    parser.add_argument("--show-misses", action="store_true", help="print the questions hybrid misses at 5")
    args = parser.parse_args()

    sets = {Path(g).stem: load_gold(Path(g)) for g in args.gold}
    container = corpus_container(Path(args.workspace), corpus_dir(args.corpus))
    rows: dict[tuple[str, str], list[tuple[float, ...]]] = {}
    misses = []
    for name, gold in sets.items():
        for mode in ("bm25", "vector", "hybrid"):
            for item in gold:
                hits = container.search.search(item["question"], k=10, role=Role.ADMIN, mode=mode).hits
                flags = [matches(h, item["gold"]) for h in hits]
                rows.setdefault((name, mode), []).append((recall_at(flags, 1), recall_at(flags, 5),
                                                          recall_at(flags, 10), reciprocal_rank(flags),
                                                          ndcg_at(flags, 10)))
                if mode == "hybrid" and not any(flags[:5]):
                    misses.append((item, hits[:3]))
    container.close()
    for mode in ("bm25", "vector", "hybrid"):
        rows[("all", mode)] = [r for name in sets for r in rows[(name, mode)]]
    results = {f"{name}/{mode}": {metric: round(statistics.fmean(col), 3) for metric, col in
                                  zip(("recall@1", "recall@5", "recall@10", "mrr", "ndcg@10"), zip(*values, strict=True), strict=True)}
               for (name, mode), values in rows.items()}

    print(f"\nretrieval · {machine()} · commit {commit()}")
    print(f"{'set/mode':32} {'n':>4} {'R@1':>6} {'R@5':>6} {'R@10':>6} {'MRR':>6} {'nDCG@10':>8}")
    for key, m in results.items():
        n = len(rows[tuple(key.split("/"))])  # type: ignore[arg-type]
        print(f"{key:32} {n:4d} {m['recall@1']:6.3f} {m['recall@5']:6.3f} {m['recall@10']:6.3f} {m['mrr']:6.3f} "
              f"{m['ndcg@10']:8.3f}")
    if args.show_misses:
        for item, hits in misses:
            got = "; ".join(f"{h.doc_title} {h.locator}" for h in hits)
            want = "; ".join(f"{g['doc_title']} {g['locator']}" for g in item["gold"])
            print(f"MISS {item['id']} {item['question']}\n   want {want}\n   got  {got}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"sets": {k: len(v) for k, v in sets.items()}, "machine": machine(),
                               "commit": commit(), "metrics": results},
                              ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
