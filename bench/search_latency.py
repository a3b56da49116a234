"""Warm search latency over the corpus: p50 and p95 per mode and role.

Usage: python bench/search_latency.py [--corpus DIR] [--workspace DIR] [--rounds 3]
Uses the gold questions as the query load; the first round warms caches and is not counted.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from _common import ROOT, commit, corpus_container, corpus_dir, machine

from assistant.access import Role
from eval.metrics import percentile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus")
    parser.add_argument("--gold", default=str(ROOT / "bench/data/retrieval_gold.jsonl"))
    parser.add_argument("--workspace", default=str(ROOT / "workspace/bench"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "bench/results/search_latency.json"))
    args = parser.parse_args()

    questions = [json.loads(line)["question"] for line in Path(args.gold).read_text(encoding="utf-8").splitlines()
                 if line.strip()]
    container = corpus_container(Path(args.workspace), corpus_dir(args.corpus))
    for q in questions:  # warm-up round
        container.search.search(q, k=5)
    results = {}
    for mode in ("hybrid", "bm25", "vector"):
        for role in (Role.PUBLIC, Role.ADMIN):
            times = []
            for _ in range(args.rounds):
                for q in questions:
                    t0 = time.perf_counter()
                    container.search.search(q, k=5, role=role, mode=mode)
                    times.append((time.perf_counter() - t0) * 1000)
            results[f"{mode}/{role.value}"] = {"n": len(times), "p50_ms": round(percentile(times, 50), 1),
                                               "p95_ms": round(percentile(times, 95), 1)}
    container.close()
    print(f"warm search latency · {machine()} · commit {commit()}")
    for name, r in results.items():
        print(f"{name:18} p50 {r['p50_ms']:7.1f} ms   p95 {r['p95_ms']:7.1f} ms   (n={r['n']})")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": machine(), "commit": commit(), "latency": results}, indent=2))


if __name__ == "__main__":
    main()
