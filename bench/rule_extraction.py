"""Rule extraction quality: precision / recall of PatternRuleExtractor on bench/data/rule_gold.jsonl.

Usage: python bench/rule_extraction.py [--gold FILE] [--out FILE] [--show-errors dev|heldout|all]

A predicted rule matches a gold rule of the same clause when modality, authority and threshold
agree (thresholds within 1e-6, None == None); matching is greedy and one-to-one (pairs that also
agree on unit and subject are taken first). Subject is not part of the match: its agreement is
reported separately over matched pairs (exact, and lenient = one contains the other).
Per-field accuracy aligns each clause's gold and predicted rules by the number of agreeing fields
(greedy) and counts, over gold rules, how often each field is right (an unaligned gold rule is
wrong on every field). Reported per split: dev (tuned on), heldout_seen (texts read while the
extractor was designed, outputs not inspected while tuning) and heldout (random sample of unread
documents, annotated before the extractor ran on it, never tuned on).
Writes bench/results/rule_extraction.json (git-ignored) and prints a table.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

from _common import ROOT, commit, machine

from knowledge_graph.builders.rule_extractor import ExtractedRule, PatternRuleExtractor

GOLD = ROOT / "bench" / "data" / "rule_gold.jsonl"
OUT = ROOT / "bench" / "results" / "rule_extraction.json"
FIELDS = ("modality", "authority", "threshold", "unit", "subject")
SPLITS = ("dev", "heldout_seen", "heldout_v1", "heldout")


def load_gold(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            sys.exit(f"{path}:{n}: not JSON: {exc}")
        if "_header" not in row:
            rows.append(row)
    return rows


def as_dict(rule: ExtractedRule) -> dict:
    return {f: getattr(rule, f) for f in FIELDS}


def same_threshold(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= 1e-6


def key_match(g: dict, p: dict) -> bool:
    return g["modality"] == p["modality"] and g["authority"] == p["authority"] and same_threshold(g["threshold"], p["threshold"])


def field_ok(name: str, g: dict, p: dict) -> bool:
    return same_threshold(g[name], p[name]) if name == "threshold" else g[name] == p[name]


def match(gold: list[dict], pred: list[dict]) -> list[tuple[int, int]]:
    """Greedy one-to-one matches on (modality, authority, threshold); full agreement first."""
    pairs: list[tuple[int, int]] = []
    used_g: set[int] = set()
    used_p: set[int] = set()
    for strict in (True, False):
        for gi, g in enumerate(gold):
            if gi in used_g:
                continue
            for pi, p in enumerate(pred):
                if pi in used_p or not key_match(g, p):
                    continue
                if strict and not (g["unit"] == p["unit"] and g["subject"] == p["subject"]):
                    continue
                pairs.append((gi, pi))
                used_g.add(gi)
                used_p.add(pi)
                break
    return pairs


def align(gold: list[dict], pred: list[dict]) -> dict[int, int]:
    """Greedy alignment by number of agreeing fields, for per-field accuracy."""
    scored = sorted(((sum(field_ok(f, g, p) for f in FIELDS), gi, pi)
                     for gi, g in enumerate(gold) for pi, p in enumerate(pred)), key=lambda t: (-t[0], t[1], t[2]))
    out: dict[int, int] = {}
    used: set[int] = set()
    for score, gi, pi in scored:
        if score and gi not in out and pi not in used:
            out[gi] = pi
            used.add(pi)
    return out


def lenient_subject(a: str, b: str) -> bool:
    return bool(a and b) and (a in b or b in a) or a == b


def prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp, "fp": fp, "fn": fn}


def evaluate(rows: list[dict], extractor: PatternRuleExtractor) -> tuple[dict, list[dict]]:
    stats = {s: Counter() for s in SPLITS}
    per_modality = {s: Counter() for s in SPLITS}
    details = []
    for row in rows:
        split = row.get("split", "dev")
        pred = [as_dict(r) for r in extractor.extract(row["text"], locator=row["locator"], doc_title=row["doc_title"])]
        gold = row["rules"]
        pairs = match(gold, pred)
        st, pm = stats[split], per_modality[split]
        st["tp"] += len(pairs)
        st["fp"] += len(pred) - len(pairs)
        st["fn"] += len(gold) - len(pairs)
        st["clauses"] += 1
        st["gold_rules"] += len(gold)
        st["pred_rules"] += len(pred)
        st["exact_clauses"] += len(pairs) == len(gold) == len(pred)
        if not gold:
            st["negatives"] += 1
            st["negatives_clean"] += not pred
        for gi, pi in pairs:
            st["subject_exact"] += gold[gi]["subject"] == pred[pi]["subject"]
            st["subject_lenient"] += lenient_subject(gold[gi]["subject"], pred[pi]["subject"])
            st["unit_on_match"] += gold[gi]["unit"] == pred[pi]["unit"]
        for m in {g["modality"] for g in gold} | {p["modality"] for p in pred}:
            tp = sum(1 for gi, _ in pairs if gold[gi]["modality"] == m)
            pm[(m, "tp")] += tp
            pm[(m, "fp")] += sum(1 for p in pred if p["modality"] == m) - tp
            pm[(m, "fn")] += sum(1 for g in gold if g["modality"] == m) - tp
        aligned = align(gold, pred)
        for gi, g in enumerate(gold):
            for f in FIELDS:
                st[f"field_{f}"] += gi in aligned and field_ok(f, g, pred[aligned[gi]])
        matched_g = {gi for gi, _ in pairs}
        matched_p = {pi for _, pi in pairs}
        details.append({
            "id": row["id"], "split": split, "doc_title": row["doc_title"], "locator": row["locator"],
            "missed": [g for gi, g in enumerate(gold) if gi not in matched_g],
            "spurious": [p for pi, p in enumerate(pred) if pi not in matched_p],
        })
    return summarise(stats, per_modality), details


def summarise(stats: dict, per_modality: dict) -> dict:
    out = {}
    for split in (*SPLITS, "all"):
        st = stats[split] if split != "all" else sum(stats.values(), Counter())
        pm = per_modality[split] if split != "all" else sum(per_modality.values(), Counter())
        tp = st["tp"]
        n_gold = st["gold_rules"] or 1
        out[split] = {
            **prf(st["tp"], st["fp"], st["fn"]),
            "clauses": st["clauses"], "gold_rules": st["gold_rules"], "predicted_rules": st["pred_rules"],
            "clauses_all_rules_right": st["exact_clauses"],
            "negatives": st["negatives"], "negatives_without_prediction": st["negatives_clean"],
            "subject_agreement_on_matches": {"exact": round(st["subject_exact"] / tp, 4) if tp else None,
                                             "lenient": round(st["subject_lenient"] / tp, 4) if tp else None},
            "unit_agreement_on_matches": round(st["unit_on_match"] / tp, 4) if tp else None,
            "field_accuracy": {f: round(st[f"field_{f}"] / n_gold, 4) for f in FIELDS},
            "by_modality": {m: prf(pm[(m, "tp")], pm[(m, "fp")], pm[(m, "fn")])
                            for m in ("审批", "有条件", "应当", "禁止", "允许")},
        }
    return out


def print_table(metrics: dict) -> None:
    print(f"{'split':<12} {'clauses':>7} {'gold':>5} {'pred':>5} {'P':>6} {'R':>6} {'F1':>6}  "
          f"{'modal':>6} {'auth':>6} {'thr':>6} {'unit':>6} {'subj':>6}  {'subj@match':>10}")
    for split, m in metrics.items():
        fa = m["field_accuracy"]
        subj = m["subject_agreement_on_matches"]
        print(f"{split:<12} {m['clauses']:>7} {m['gold_rules']:>5} {m['predicted_rules']:>5} {m['precision']:>6.3f} "
              f"{m['recall']:>6.3f} {m['f1']:>6.3f}  {fa['modality']:>6.3f} {fa['authority']:>6.3f} "
              f"{fa['threshold']:>6.3f} {fa['unit']:>6.3f} {fa['subject']:>6.3f}  "
              f"{(subj['exact'] or 0):>4.2f}/{(subj['lenient'] or 0):.2f}")
    print("\nper modality (all): " + ", ".join(
        f"{k} P={v['precision']:.2f} R={v['recall']:.2f}" for k, v in metrics["all"]["by_modality"].items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--show-errors", choices=(*SPLITS, "all"), default=None,
                        help="print missed/spurious rules per clause (keep heldout closed while tuning)")
    args = parser.parse_args()
    rows = load_gold(args.gold)
    t0 = time.perf_counter()
    metrics, details = evaluate(rows, PatternRuleExtractor())
    seconds = time.perf_counter() - t0
    print_table(metrics)
    if args.show_errors:
        for d in details:
            if (args.show_errors in ("all", d["split"])) and (d["missed"] or d["spurious"]):
                print(f"\n{d['id']} {d['split']} {d['doc_title']} {d['locator']}")
                for g in d["missed"]:
                    print("  missed  ", g)
                for p in d["spurious"]:
                    print("  spurious", p)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    result = {"benchmark": "rule_extraction", "date": str(date.today()), "commit": commit(), "machine": machine(),
              "gold": str(args.gold.relative_to(ROOT) if args.gold.is_relative_to(ROOT) else args.gold),
              "extractor": "PatternRuleExtractor", "seconds": round(seconds, 3), "metrics": metrics,
              "errors": [d for d in details if d["missed"] or d["spurious"]]}
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\nwrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")


if __name__ == "__main__":
    main()
