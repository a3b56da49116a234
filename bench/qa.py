"""Question answering with the served model: citation precision, refusals, latency, multiple choice.

Usage:
  python bench/qa.py citations [--workspace DIR] [--n 40]   # eval/data/qa/answerable.jsonl + unanswerable.jsonl
  python bench/qa.py citations --gold bench/data/qa_heldout.jsonl   # the held-out set (no out-of-corpus part)
  python bench/qa.py judge [--gold FILE]                    # list cited pairs of the last run not yet judged
  python bench/qa.py reverify [--gold FILE]                 # the current verifier on the last run's answers
  python bench/qa.py choice [--workspace DIR] [--n 200] [--suite NAME] [--resume]
                                                            # C-Eval val + planner exams (regulation)

The workspace must hold ../shared/corpus (ingested first if it does not: ~13 min).
The model is the one of the settings (embedded: the packaged 1.5B on loopback).

citations: every gold question is asked as the public role with streaming on.  Two
precisions are reported for the citations:

- judged (the acceptance measure): the cited passage really supports the sentence
  that cites it, as judged by a person for each (question, sentence, passage) pair
  in bench/data/qa_citation_judgements.jsonl.  Pairs a new run produces that were
  never judged are counted and listed by ``judge``; the figure covers judged pairs.
- strict: the citation's document and locator (and version, where the gold set
  gives one) are among the question's supports, the passages that on their own
  support the reference answer.  Stricter than support of the sentence: a correct
  citation of a passage the annotator did not list counts as wrong.

Latency (time to first
token, total) is taken over the first 20 questions.  Out-of-corpus questions must be
refused (依据不足, no citation).

choice: accuracy of the model alone and with retrieval (4 passages, <= 1,400
characters in the prompt) on C-Eval urban_and_rural_planner val and a seeded sample
of the registered-planner exams, subject regulation.  ``--suite`` runs one of them
(ceval_val, exams_regulation) and keeps the other's figures in qa_choice.json.  Every
answer is appended to bench/results/qa_choice_partial.jsonl as it comes; ``--resume``
reuses the answers there (same suite, mode and question) after an interruption, and
a run without it starts the file afresh.

Writes bench/results/qa_<part>.json (qa_citations_<gold file stem>.json for another gold
set) and prints a summary.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

from _common import ROOT, SHARED, commit, corpus_container, corpus_dir, machine

from assistant.access import Role
from eval.metrics import percentile

GOLD = ROOT / "eval" / "data" / "qa" / "answerable.jsonl"  # also the default of `onemap eval run qa`
OUT_OF_CORPUS = ROOT / "eval" / "data" / "qa" / "unanswerable.jsonl"
JUDGEMENTS = ROOT / "bench" / "data" / "qa_citation_judgements.jsonl"
_MARK = re.compile(r"\[\d{1,2}\]")
RESULTS = ROOT / "bench" / "results"


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _supported(citation, supports: list[dict]) -> bool:
    for s in supports:
        if s["doc_title"] == citation.doc_title and s["locator"] == citation.locator and (
                not s.get("version") or s["version"] == citation.version):
            return True
    return False


def _sentence_key(sentence: str) -> str:
    return re.sub(r"\s+", "", _MARK.sub("", sentence)).rstrip("。！？；")


def pair_key(qid: str, sentence: str, doc_title: str, locator: str) -> tuple[str, str, str, str]:
    """What a judgement is about: one sentence of one answer citing one passage."""
    return qid, _sentence_key(sentence), doc_title, locator


def load_judgements() -> dict[tuple[str, str, str, str], bool]:
    if not JUDGEMENTS.exists():
        return {}
    return {pair_key(j["id"], j["sentence"], j["doc_title"], j["locator"]): bool(j["supported"])
            for j in _rows(JUDGEMENTS)}


def _citing_sentences(answer: str, n: int) -> list[str]:
    from assistant.qa.citations import sentences
    return [s.strip() for s in sentences(answer) if f"[{n}]" in s]


def judged(rows: list[dict], judgements: dict) -> dict:
    """Judged precision over the (sentence, passage) pairs of a run, and the pairs not judged yet."""
    verdicts, unjudged = [], []
    for r in rows:
        for c in r["citations"]:
            for sentence in c["sentences"]:
                key = pair_key(r["id"], sentence, c["doc_title"], c["locator"])
                if key in judgements:
                    verdicts.append(judgements[key])
                else:
                    unjudged.append({"id": r["id"], "sentence": sentence, "doc_title": c["doc_title"],
                                     "locator": c["locator"], "passage": c["text"]})
    return {"pairs": len(verdicts) + len(unjudged), "judged": len(verdicts), "supported": sum(verdicts),
            "precision": round(sum(verdicts) / len(verdicts), 4) if verdicts else None, "unjudged": unjudged}


def citations_path(gold: Path) -> Path:
    """Where a citations run on ``gold`` writes its results."""
    return RESULTS / ("qa_citations.json" if gold.resolve() == GOLD.resolve() else f"qa_citations_{gold.stem.removeprefix('qa_')}.json")


def judge(gold: Path = GOLD) -> None:
    """Print the cited pairs of the last run that bench/data/qa_citation_judgements.jsonl does not judge yet."""
    path = citations_path(gold)
    if not path.exists():
        sys.exit(f"{path} not found: run `python bench/qa.py citations` first")
    result = judged(json.loads(path.read_text(encoding="utf-8"))["rows"], load_judgements())
    for u in result["unjudged"]:
        print(json.dumps({"id": u["id"], "sentence": u["sentence"], "doc_title": u["doc_title"],
                          "locator": u["locator"], "supported": None, "note": ""}, ensure_ascii=False))
        print(f"  passage: {u['passage']}", file=sys.stderr)
    print(f"{len(result['unjudged'])} of {result['pairs']} pairs not judged", file=sys.stderr)


def reverify(gold: Path = GOLD) -> None:
    """Apply the current citation verifier to the answers of the last citations run, without the model.

    A development aid: the answers were already verified once, so this shows only what
    the present rules drop on top; it is no substitute for a run.
    """
    from assistant.qa.citations import verify

    path = citations_path(gold)
    if not path.exists():
        sys.exit(f"{path} not found: run `python bench/qa.py citations` first")
    run = json.loads(path.read_text(encoding="utf-8"))
    rows = []
    for r in run["rows"]:
        evidence = {i: c["text"] for i, c in enumerate(r["citations"], 1)}
        checked = verify(r["answer"], evidence, question=r["question"])
        for sentence in checked.dropped:
            print(f"{r['id']} dropped: {sentence}", file=sys.stderr)
        kept = [dict(c, sentences=_citing_sentences(checked.text, i)) for i, c in enumerate(r["citations"], 1)]
        rows.append(dict(r, answer=checked.text, citations=[c for c in kept if c["sentences"]]))
    before, after = judged(run["rows"], load_judgements()), judged(rows, load_judgements())
    for name, result in (("as run", before), ("re-verified", after)):
        print(f"{name} ({run['commit']}): judged {result['supported']}/{result['judged']} = {result['precision']}, "
              f"{result['pairs'] - result['judged']} unjudged, "
              f"{sum(1 for r in (run['rows'] if name == 'as run' else rows) if r['citations'])} answers with citations")


def citations(container, n: int, gold_path: Path = GOLD) -> dict:
    qa = container.qa
    gold = _rows(gold_path)[:n]
    rows, ttft, total = [], [], []
    for i, g in enumerate(gold, 1):
        t0 = time.perf_counter()
        answer = qa.ask(g["question"], role=Role.PUBLIC, on_token=lambda _p: None)
        seconds = time.perf_counter() - t0
        correct = [_supported(c, g["supports"]) for c in answer.citations]
        facts = [f for f in g.get("facts", []) if f in answer.answer]
        rows.append({"id": g["id"], "question": g["question"], "answer": answer.answer, "grounded": answer.grounded,
                     "citations": [{"doc_title": c.doc_title, "locator": c.locator, "version": c.version,
                                    "correct": ok, "sentences": _citing_sentences(answer.answer, c.n),
                                    "text": c.text}
                                   for c, ok in zip(answer.citations, correct, strict=True)],
                     "facts_found": facts, "facts": g.get("facts", []), "flags": answer.flags,
                     "ttft_ms": answer.ttft_ms, "latency_ms": answer.latency_ms})
        if i <= 20:
            total.append(seconds * 1000)
            if answer.ttft_ms is not None:
                ttft.append(answer.ttft_ms)
        print(f"[{i}/{len(gold)}] {g['id']} {sum(correct)}/{len(correct)} cited ok, facts {len(facts)}/"
              f"{len(g.get('facts', []))}, {seconds:.1f} s", file=sys.stderr)
    refusals = []
    for o in _rows(OUT_OF_CORPUS) if gold_path.resolve() == GOLD.resolve() else []:
        answer = qa.ask(o["question"], role=Role.PUBLIC)
        refusals.append({"id": o["id"], "question": o["question"], "answer": answer.answer,
                         "refused": answer.answer.startswith("依据不足") and not answer.citations})
    cited = [c for r in rows for c in r["citations"]]
    answered = [r for r in rows if r["citations"]]
    judgement = judged(rows, load_judgements())
    return {
        "gold": str(gold_path.relative_to(ROOT)) if gold_path.is_relative_to(ROOT) else str(gold_path),
        "questions": len(rows),
        "citations": len(cited),
        "judged_precision": judgement["precision"],
        "judged_pairs": judgement["judged"],
        "unjudged_pairs": len(judgement["unjudged"]),
        "strict_precision": round(sum(c["correct"] for c in cited) / len(cited), 4) if cited else None,
        "answers_with_citations": len(answered),
        "false_refusals": sum(1 for r in rows if r["answer"].startswith("依据不足")),
        "answers_with_all_facts": sum(1 for r in rows if r["facts"] and len(r["facts_found"]) == len(r["facts"])),
        "out_of_corpus": len(refusals),
        "out_of_corpus_refused": sum(1 for r in refusals if r["refused"]),
        "latency_20": {"ttft_p50_ms": round(percentile(ttft, 50)), "ttft_p95_ms": round(percentile(ttft, 95)),
                       "total_p50_ms": round(percentile(total, 50)), "total_p95_ms": round(percentile(total, 95))},
        "rows": rows,
        "refusals": refusals,
    }


CHOICE_SUITES = ("ceval_val", "exams_regulation")
PARTIAL = RESULTS / "qa_choice_partial.jsonl"


def _partial_rows(resume: bool) -> dict[tuple[str, bool], dict]:
    """Answers of an interrupted choice run, by (suite, retrieval), then question id."""
    from eval.multiple_choice import QuestionRow

    if not resume:
        PARTIAL.parent.mkdir(parents=True, exist_ok=True)
        PARTIAL.write_text("", encoding="utf-8")
        return {}
    done: dict[tuple[str, bool], dict] = {}
    for line in _rows(PARTIAL) if PARTIAL.exists() else []:
        done.setdefault((line["suite"], line["retrieval"]), {})[line["row"]["id"]] = QuestionRow(**line["row"])
    print(f"resuming: {sum(len(v) for v in done.values())} answers from {PARTIAL.name}", file=sys.stderr)
    return done


def choice(container, n: int, suites_wanted: tuple[str, ...] = CHOICE_SUITES, resume: bool = False) -> dict:
    from eval.datasets import CEVAL_VAL, PLANNER_EXAMS, load_ceval, load_planner_exams
    from eval.multiple_choice import compare

    service = container.choice
    loaders = {
        "ceval_val": lambda: load_ceval(CEVAL_VAL),
        "exams_regulation": lambda: load_planner_exams(PLANNER_EXAMS, subject="regulation", n=n),
    }
    partial = _partial_rows(resume)
    started = commit()
    previous = RESULTS / "qa_choice.json"
    out = {}
    if set(suites_wanted) != set(CHOICE_SUITES) and previous.exists():
        kept = json.loads(previous.read_text(encoding="utf-8"))
        out = {k: kept[k] for k in CHOICE_SUITES if k in kept and k not in suites_wanted}
    for name in suites_wanted:
        questions = loaders[name]()
        t0 = time.perf_counter()

        def progress(done: int, total: int, _name=name) -> None:
            if done % 20 == 0 or done == total:
                print(f"{_name}: {done}/{total}", file=sys.stderr)

        def keep(retrieval: bool, row, _name=name) -> None:
            with PARTIAL.open("a", encoding="utf-8") as f:
                f.write(json.dumps({"suite": _name, "retrieval": retrieval, "row": row.model_dump(mode="json")},
                                   ensure_ascii=False) + "\n")

        done = {mode: partial.get((name, mode), {}) for mode in (False, True)}
        result = compare(questions, service, progress=progress, done=done, on_row=keep)
        result["seconds"] = round(time.perf_counter() - t0, 1)
        result["commit"] = started
        out[name] = result
        summary = {m: result[m]["accuracy"] for m in ("model_alone", "with_retrieval")}
        print(f"{name}: {len(questions)} questions, {summary}, {result['seconds']} s", file=sys.stderr)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("part", choices=("citations", "judge", "reverify", "choice"))
    parser.add_argument("--workspace", type=Path, default=ROOT / "workspace" / "bench")
    parser.add_argument("--corpus")
    parser.add_argument("--n", type=int, default=None)
    parser.add_argument("--gold", type=Path, default=GOLD,
                        help="citations/judge/reverify: the gold questions (default eval/data/qa/answerable.jsonl); "
                             "out-of-corpus refusals are measured with the default set only")
    parser.add_argument("--suite", choices=CHOICE_SUITES, action="append",
                        help="choice: run only this suite (repeatable); the other's last figures are kept")
    parser.add_argument("--resume", action="store_true",
                        help="choice: reuse the answers of an interrupted run (qa_choice_partial.jsonl)")
    args = parser.parse_args()
    if args.part in ("judge", "reverify"):
        judge(args.gold) if args.part == "judge" else reverify(args.gold)
        return
    if not (SHARED / "eval").is_dir() and args.part == "choice":
        sys.exit(f"../shared/eval not found at {SHARED / 'eval'}: put ../shared beside the project")
    started_at = commit()  # the code this run loaded, not the HEAD when it finishes
    container = corpus_container(args.workspace, corpus_dir(args.corpus))
    try:
        t0 = time.perf_counter()
        if args.part == "citations":
            result = citations(container, args.n or 40, args.gold)
        else:
            result = choice(container, args.n or 200, tuple(args.suite or CHOICE_SUITES), args.resume)
        model = container.llm.model_name()
    finally:
        container.close()
    report = {"machine": machine(), "commit": started_at, "model": model, "seconds": round(time.perf_counter() - t0, 1),
              **result}
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = citations_path(args.gold) if args.part == "citations" else RESULTS / "qa_choice.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    brief = {k: v for k, v in report.items() if k not in ("rows", "refusals")}
    if args.part == "choice":
        brief = {name: {"alone": r["model_alone"]["accuracy"], "retrieval": r["with_retrieval"]["accuracy"],
                        "delta": r["delta"]["accuracy"], "n": r["model_alone"]["n"]}
                 for name, r in result.items()}
    print(json.dumps(brief, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
