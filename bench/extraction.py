"""Planning-condition extraction quality: field-level precision / recall / F1 on bench/data/extraction.

Usage: python bench/extraction.py [--gold FILE] [--out FILE] [--show-errors dev|heldout|all] [--no-build]

Patterns only (no model). Each document in gold.jsonl is extracted with ``assistant.extraction.extract``;
parcels are matched by id. Items scored: every scalar field (land_use by code; area within 1 m²; other
numbers within 1e-6; parking as value and unit), every element of the list fields (facility name and GFA,
setback boundary and distance, compatible use code) and every conflicting field (its set of values).
A predicted parcel that is not in the gold counts all its items as false positives; a document that
fails counts all its gold items as false negatives. Reported per split (dev: rendered from records and
used while writing the patterns; heldout: written literally, never tuned on) and overall. The scoring
lives in eval/extraction_scoring.py, shared with `onemap eval run extraction`.
Writes bench/results/extraction.json (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from _common import ROOT, commit, machine

from assistant.extraction import ExtractionError, extract
from eval.extraction_scoring import compare, gold_items, predicted_items, prf

DATA = ROOT / "bench" / "data" / "extraction"
OUT = ROOT / "bench" / "results" / "extraction.json"


def load_gold(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if "_header" not in r]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path, default=DATA / "gold.jsonl")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--show-errors", choices=("dev", "heldout", "all"))
    ap.add_argument("--no-build", action="store_true", help="Do not regenerate the documents first.")
    args = ap.parse_args()
    if not args.no_build:
        subprocess.run([sys.executable, str(DATA / "build.py")], check=True, capture_output=True)
    gold = load_gold(args.gold)
    docs: dict[str, list[dict]] = {}
    for row in gold:
        docs.setdefault(row["doc"], []).append(row)
    totals: dict[str, Counter] = {}
    per_field: dict[str, Counter] = {}
    per_doc = []
    started = time.perf_counter()
    for doc, rows in docs.items():
        split = rows[0]["split"]
        try:
            result = extract(DATA / "docs" / doc)
            predicted = {p.parcel_id: predicted_items(p) for p in result.parcels}
            error = None
        except ExtractionError as exc:
            predicted, error = {}, str(exc)
        expected = {r["parcel_id"]: gold_items(r) for r in rows}
        tally = compare(expected, predicted)
        for name, counts in tally.counts.items():
            for bucket in (totals.setdefault(split, Counter()), totals.setdefault("all", Counter()),
                           per_field.setdefault(name, Counter())):
                bucket.update(counts)
        total = tally.total()
        per_doc.append({"doc": doc, "split": split, "parcels": len(rows), "error": error,
                        **prf(total["tp"], total["fp"], total["fn"])})
        if args.show_errors in (split, "all") and tally.errors:
            errors = sorted(f"  {kind} {pid} {item}" for kind, pid, item, _ in tally.errors)
            print(f"{doc}:", *errors, sep="\n", file=sys.stderr)
    seconds = time.perf_counter() - started
    summary = {
        "machine": machine(), "commit": commit(), "mode": "patterns only (no model)",
        "documents": len(docs), "parcels": len(gold), "seconds": round(seconds, 2),
        "splits": {k: {**prf(v["tp"], v["fp"], v["fn"]),
                       "documents": len({r["doc"] for r in gold if k in ("all", r["split"])}),
                       "parcels": sum(1 for r in gold if k in ("all", r["split"]))} for k, v in totals.items()},
        "fields": {k: prf(v["tp"], v["fp"], v["fn"]) for k, v in sorted(per_field.items())},
        "documents_detail": per_doc,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"{'split':<10}{'docs':>5}{'parcels':>8}{'P':>8}{'R':>8}{'F1':>8}{'tp':>6}{'fp':>5}{'fn':>5}")
    for k in ("dev", "heldout", "all"):
        if k in summary["splits"]:
            s = summary["splits"][k]
            print(f"{k:<10}{s['documents']:>5}{s['parcels']:>8}{s['precision']:>8.3f}{s['recall']:>8.3f}{s['f1']:>8.3f}"
                  f"{s['tp']:>6}{s['fp']:>5}{s['fn']:>5}")
    print("field        P      R      F1")
    for k, s in summary["fields"].items():
        print(f"{k:<12}{s['precision']:.3f}  {s['recall']:.3f}  {s['f1']:.3f}")
    print(f"{seconds:.1f} s; written to {args.out}")


if __name__ == "__main__":
    main()
