"""Knowledge graph: build time on the demo plus ../shared/corpus, and warm query latency.

Usage: python bench/graph.py [--corpus DIR] [--rounds 20]

Builds into a fresh workspace (embedded ArcadeDB over Bolt, server start included), reading the
corpus straight from disk (chunked, not embedded), then times each query of knowledge_graph/queries.py.
Results go to bench/results/graph.json; copy the figures into docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, commit, corpus_dir, machine

from assistant.access import Role
from assistant.settings import load_settings
from eval.metrics import percentile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--out", default=str(ROOT / "bench/results/graph.json"))
    args = parser.parse_args()
    corpus = corpus_dir(args.corpus)

    from assistant.container import Container

    with tempfile.TemporaryDirectory(prefix="onemap-bench-graph-") as tmp:
        settings = load_settings("default", environ={"ONEMAP_HOME": tmp})
        container = Container(settings)
        t0 = time.perf_counter()
        store = container.graph_store
        started = time.perf_counter() - t0
        report = container.graph.build(paths=[ROOT / "demo" / "documents", corpus], demo=True)
        build_s = time.perf_counter() - t0
        print(f"build: {report.to_json()}", file=sys.stderr)
        g = container.graph
        clause = store.read("MATCH (c:Clause) WHERE c.locator = '第四十四条' AND c.doc_title = '土地管理法' "
                            "RETURN c.clause_id AS id LIMIT 1")[0]["id"]
        queries = {
            "rules: 永久基本农田 (top 50)": lambda: g.rules("永久基本农田", role=Role.OFFICER),
            "rules: 070102 with its ancestors (top 50)": lambda: g.rules("070102", role=Role.OFFICER),
            "authority: 永久基本农田转为建设用地": lambda: g.authority("永久基本农田转为建设用地"),
            "authority: 城镇开发边界调整": lambda: g.authority("城镇开发边界调整"),
            "chain: SF-03": lambda: g.chain("SF-03"),
            "chain: county (all 17 indicators, down to parcels)": lambda: g.chain("county:示范县"),
            "unit balance: SF-02": lambda: g.unit_balance("SF-02"),
            "neighbourhood: 土地管理法第四十四条": lambda: g.neighbourhood(clause),
        }
        latency = {}
        for name, fn in queries.items():
            fn()  # warm
            times = []
            for _ in range(args.rounds):
                t = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t) * 1000)
            latency[name] = {"p50": round(percentile(times, 50), 1), "p95": round(percentile(times, 95), 1)}
            print(f"{name}: {latency[name]}", file=sys.stderr)
        counts = g.stats()
        container.close()
    all_p50 = sorted(v["p50"] for v in latency.values())
    result = {"machine": machine(), "commit": commit(), "server_start_s": round(started, 2),
              "build_total_s": round(build_s, 1), "build": report.to_json(), "counts": counts,
              "latency_ms": latency, "median_of_query_p50s": all_p50[len(all_p50) // 2]}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "build"}, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
