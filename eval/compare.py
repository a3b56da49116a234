"""``onemap eval compare RUN_A RUN_B``: the differences between two runs of one suite, and the regressions.

Every metric is compared in three scopes: ``metrics`` (the headline figures), ``baseline:<name>``
and ``subject:<name>``.  Which way is better comes from the metric's name (:func:`direction`):

- names ending in ``_ms`` or ``_s`` are latencies: lower is better; a **regression** is B slower
  than A by more than ``latency_tolerance`` (relative: 0.10 = 10 % slower) and by more than
  :data:`LATENCY_FLOOR_MS` (a 1.4 ms check taking 1.7 ms is timer noise, not a regression);
- counts of failures (:data:`LOWER_IS_BETTER`: ``errors``, ``unparsed``, ...) are lower-is-better;
  a **regression** is any growth;
- counts of items (:data:`NEUTRAL`: ``n``, ``malformed``, ...) are context, never a regression;
- every other metric is a score, higher is better (accuracy, recall, F1, MRR, ...); a **regression**
  is B lower than A by more than ``tolerance`` (absolute: 0.01 = one point of accuracy).  A "score"
  outside [0, 1] in either run is taken for a count this table does not know, and only reported.

The same thresholds in the good direction mark a change ``better``.  Per-subject rows are flagged
only when the subject has ``n`` ≥ :data:`MIN_SUBJECT_N` in both runs: a subject of 4 questions
moves by 0.25 with one answer, which is noise, not a regression (its diff is still listed).
Items are matched by ``id`` in ``predictions.jsonl``: ``fixed`` were wrong in A and right in B,
``broken`` the reverse.  Runs of different suites are refused; a different dataset, item count,
``--limit`` sample, model or settings is reported (``warnings`` for what makes the figures less
comparable, ``context`` for what the comparison is usually about).
"""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from eval.contract import Prediction, Results, RunFolderError, RunInfo, read_predictions, read_results

Direction = Literal["higher", "lower", "neutral"]
LOWER_IS_BETTER = frozenset({"errors", "unparsed", "false_refusals", "missing", "documents_failed", "failed"})
NEUTRAL = frozenset({"n", "count", "malformed", "samples", "items", "questions", "documents", "parcels", "projects",
                     "checks", "fields", "answerable", "unanswerable", "with_evidence", "cloze"})
MIN_SUBJECT_N = 10
LATENCY_FLOOR_MS = 5.0
SHOWN = 20  # ids listed per group by render()


def direction(name: str) -> Direction:
    """Which way a metric is better, from its name (the part after the last ``.``).

    >>> direction("accuracy"), direction("search.p95_ms"), direction("seconds_s"), direction("errors")
    ('higher', 'lower', 'lower', 'lower')
    >>> direction("search.n"), direction("n_multi"), direction("recall@5")
    ('neutral', 'neutral', 'higher')
    """
    leaf = name.rsplit(".", 1)[-1]
    if leaf.endswith(("_ms", "_s")) or leaf in LOWER_IS_BETTER:
        return "lower"
    if leaf in NEUTRAL or leaf.startswith("n_") or leaf.endswith("_n"):
        return "neutral"
    return "higher"


def is_latency(name: str) -> bool:
    return name.rsplit(".", 1)[-1].endswith(("_ms", "_s"))


class MetricDiff(BaseModel):
    name: str
    scope: str = Field(description='"metrics", "baseline:<name>" or "subject:<name>".')
    a: float | None
    b: float | None
    delta: float | None = Field(description="b - a; None when either is missing.")
    better: Direction
    regression: bool = False
    improved: bool = False


class Side(BaseModel):
    """One run as compared: its folder, suite, item count and run record."""

    folder: str
    suite: str
    n: int
    run: RunInfo


class Comparison(BaseModel):
    a: Side
    b: Side
    tolerance: float
    latency_tolerance: float
    warnings: list[str] = Field(default_factory=list)
    context: list[str] = Field(default_factory=list)
    diffs: list[MetricDiff] = Field(default_factory=list)
    regressions: list[MetricDiff] = Field(default_factory=list)
    fixed: list[str] = Field(default_factory=list, description="Ids wrong in A and right in B.")
    broken: list[str] = Field(default_factory=list, description="Ids right in A and wrong in B.")
    counts: dict[str, int] = Field(default_factory=dict)


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def judge(name: str, a, b, *, tolerance: float, latency_tolerance: float) -> tuple[bool, bool]:
    """(regression, improved) for a metric going from ``a`` to ``b``.

    >>> judge("accuracy", 0.80, 0.75, tolerance=0.01, latency_tolerance=0.1)
    (True, False)
    >>> judge("accuracy", 0.80, 0.795, tolerance=0.01, latency_tolerance=0.1)
    (False, False)
    >>> judge("search.p50_ms", 100, 125, tolerance=0.01, latency_tolerance=0.1)
    (True, False)
    >>> judge("check.p50_ms", 1.4, 1.9, tolerance=0.01, latency_tolerance=0.1)
    (False, False)
    >>> judge("errors", 0, 1, tolerance=0.01, latency_tolerance=0.1)
    (True, False)
    >>> judge("unknown_count", 40, 30, tolerance=0.01, latency_tolerance=0.1)
    (False, False)
    """
    a, b = _number(a), _number(b)
    better = direction(name)
    if a is None or b is None or better == "neutral":
        return False, False
    if is_latency(name):
        ms = 1.0 if name.endswith("_ms") else 1000.0
        beyond = abs(b - a) * ms > LATENCY_FLOOR_MS
        return beyond and b > a * (1 + latency_tolerance), beyond and b < a * (1 - latency_tolerance)
    if better == "lower":
        return b > a, b < a
    if not (0 <= a <= 1 and 0 <= b <= 1):  # not a ratio: a count of something, no direction known
        return False, False
    return b < a - tolerance, b > a + tolerance


def _diffs(scope: str, a: dict, b: dict, *, flag: bool, tolerance: float, latency_tolerance: float) -> list[MetricDiff]:
    rows = []
    for name in [*a, *(k for k in b if k not in a)]:
        va, vb = _number(a.get(name)), _number(b.get(name))
        regression, improved = judge(name, va, vb, tolerance=tolerance, latency_tolerance=latency_tolerance)
        rows.append(MetricDiff(name=name, scope=scope, a=va, b=vb, better=direction(name),
                               delta=None if va is None or vb is None else round(vb - va, 6),
                               regression=flag and regression, improved=flag and improved))
    return rows


def _subject_n(row: dict) -> float:
    return _number(row.get("n")) or 0


def _items(predictions: list[Prediction]) -> dict[str, bool | None]:
    return {p.id: p.correct for p in predictions}


def _side(folder: Path, results: Results) -> Side:
    return Side(folder=str(folder), suite=results.suite, n=results.n, run=results.run)


def _notes(a: Results, b: Results) -> tuple[list[str], list[str]]:
    ra, rb = a.run, b.run
    warnings, context = [], []
    if ra.dataset_hash != rb.dataset_hash:
        warnings.append(f"different datasets (hash {ra.dataset_hash} vs {rb.dataset_hash}): the figures are not "
                        "measured on the same items")
    if a.n != b.n:
        warnings.append(f"different number of items scored (n = {a.n} vs {b.n})")
    if ra.limit != rb.limit or ra.options.get("seed") != rb.options.get("seed"):
        warnings.append(f"different --limit samples (limit {ra.limit}, seed {ra.options.get('seed')} vs "
                        f"limit {rb.limit}, seed {rb.options.get('seed')})")
    if ra.model != rb.model:
        context.append(f"model: {ra.model or '–'} → {rb.model or '–'}")
    if ra.settings_hash != rb.settings_hash:
        context.append(f"settings: {ra.settings_hash} → {rb.settings_hash}")
    if ra.commit != rb.commit:
        context.append(f"commit: {ra.commit} → {rb.commit}")
    options_a = {k: v for k, v in ra.options.items() if k not in ("seed", "resumed_answers")}
    options_b = {k: v for k, v in rb.options.items() if k not in ("seed", "resumed_answers")}
    if options_a != options_b:
        context.append(f"options: {options_a} → {options_b}")
    return warnings, context


def compare_runs(run_a: Path, run_b: Path, *, tolerance: float = 0.01, latency_tolerance: float = 0.10) -> Comparison:
    """Compare run folder ``run_b`` with the reference ``run_a``.

    Raises
    ------
    RunFolderError
        A folder is not a run folder or is damaged, or the runs are of different suites.
    """
    a, b = read_results(Path(run_a)), read_results(Path(run_b))
    if a.suite != b.suite:
        raise RunFolderError(f"cannot compare a {a.suite} run ({run_a}) with a {b.suite} run ({run_b})")
    limits = {"tolerance": tolerance, "latency_tolerance": latency_tolerance}
    diffs = _diffs("metrics", a.metrics, b.metrics, flag=True, **limits)
    for name in [*a.baselines, *(k for k in b.baselines if k not in a.baselines)]:
        diffs += _diffs(f"baseline:{name}", a.baselines.get(name, {}), b.baselines.get(name, {}), flag=True, **limits)
    for name in [*a.per_subject, *(k for k in b.per_subject if k not in a.per_subject)]:
        row_a, row_b = a.per_subject.get(name, {}), b.per_subject.get(name, {})
        enough = min(_subject_n(row_a), _subject_n(row_b)) >= MIN_SUBJECT_N
        diffs += _diffs(f"subject:{name}", row_a, row_b, flag=enough, **limits)

    items_a, items_b = _items(read_predictions(Path(run_a))), _items(read_predictions(Path(run_b)))
    shared = [i for i in items_a if i in items_b]
    fixed = [i for i in shared if items_a[i] is False and items_b[i] is True]
    broken = [i for i in shared if items_a[i] is True and items_b[i] is False]
    counts = {"fixed": len(fixed), "broken": len(broken),
              "both_right": sum(items_a[i] is True and items_b[i] is True for i in shared),
              "both_wrong": sum(items_a[i] is False and items_b[i] is False for i in shared),
              "only_in_a": sum(i not in items_b for i in items_a), "only_in_b": sum(i not in items_a for i in items_b)}
    warnings, context = _notes(a, b)
    if counts["only_in_a"] or counts["only_in_b"]:
        warnings.append(f"{counts['only_in_a']} items only in A and {counts['only_in_b']} only in B (matched by id)")
    return Comparison(a=_side(run_a, a), b=_side(run_b, b), **limits, warnings=warnings, context=context,
                      diffs=diffs, regressions=[d for d in diffs if d.regression], fixed=fixed, broken=broken,
                      counts=counts)


# --- plain-text rendering ---------------------------------------------------------------------------------------


def _fmt(value: float | None, sign: str = "") -> str:
    """4 significant digits, whole numbers and values from 1000 up to the unit.

    >>> _fmt(0.61234), _fmt(1234.5), _fmt(40.0), _fmt(-0.05, "+"), _fmt(None)
    ('0.6123', '1234', '40', '-0.05', '–')
    """
    if value is None:
        return "–"
    if value == int(value) or abs(value) >= 1000:
        return f"{value:{sign}.0f}"
    return f"{value:{sign}.4g}"


def _delta(d: MetricDiff) -> str:
    if d.delta is None:
        return ""
    if d.delta == 0:
        return "0"
    text = _fmt(d.delta, "+")
    if is_latency(d.name) and d.a:
        text += f" ({d.delta / d.a:+.0%})"
    return text


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    space = " " * max(0, width - _width(text))
    return space + text if right else text + space


def _table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        lines.append("  ".join(_pad(cell, widths[i], i in right) for i, cell in enumerate(row)).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def _describe(label: str, side: Side) -> str:
    r = side.run
    return (f"{label}: {side.folder} · {side.suite} · n = {side.n} · commit {r.commit} · model {r.model or '–'} · "
            f"settings {r.settings_hash} · dataset {r.dataset_hash}")


def render(c: Comparison) -> str:
    """The comparison as plain text: the metric table, fixed and broken items, warnings."""
    lines = [_describe("A", c.a), _describe("B", c.b), ""]
    rows = [[d.scope, d.name, _fmt(d.a), _fmt(d.b), _delta(d),
             "REGRESSION" if d.regression else "better" if d.improved else ""] for d in c.diffs]
    if rows:
        lines += _table(["scope", "metric", "A", "B", "delta", ""], rows, right={2, 3, 4})
    else:
        lines.append("no metrics in either run")
    lines.append("")
    n = len(c.regressions)
    lines.append(f"{n} regression{'s' if n != 1 else ''} (scores: drop > {c.tolerance:g}; latencies: "
                 f"> {c.latency_tolerance:.0%} and > {LATENCY_FLOOR_MS:g} ms slower; failure counts: any growth; subjects with n ≥ {MIN_SUBJECT_N})")
    for label, ids in (("fixed (wrong in A, right in B)", c.fixed), ("broken (right in A, wrong in B)", c.broken)):
        more = f", first {SHOWN}" if len(ids) > SHOWN else ""
        lines.append(f"{label}: {len(ids)}{more}" + (": " + ", ".join(ids[:SHOWN]) if ids else ""))
    lines.append(f"both right: {c.counts.get('both_right', 0)} · both wrong: {c.counts.get('both_wrong', 0)} · "
                 f"only in A: {c.counts.get('only_in_a', 0)} · only in B: {c.counts.get('only_in_b', 0)}")
    lines += [f"warning: {w}" for w in c.warnings]
    lines += [f"differs: {note}" for note in c.context]
    return "\n".join(lines)
