"""The report of a run folder: ``report.md`` with ``plots/*.svg``, and ``report.html`` with the plots inline.

Both say the same thing, for any suite: the run record (suite, n, commit, model, settings and dataset
hashes, time), the metrics beside each baseline (and a grouped bar chart of the 0–1 scores), the
main metric per subject (a horizontal bar chart, with each subject's n), latency histograms from the
predictions (per ``operation`` where predictions carry one, per baseline where they carry baseline
latencies), the suite's tables (``tables["confusion"]`` as a heatmap), the notes, the first 20 wrong
items and the first 20 malformed dataset lines.  A part the run does not have is left out, so a run
with no subjects, no latencies, no baselines or no predictions still gets a report.

The HTML is one file that needs no network and no script: the figures are inline SVG whose text is
drawn as outlines (:mod:`eval.report_plots`), every value from the run is escaped.
"""

from __future__ import annotations

import html
import json
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from eval.compare import direction
from eval.contract import Prediction, Results
from eval.metrics import percentile
from eval.report_plots import finite, grouped_bars, heatmap, histograms, horizontal_bars

log = logging.getLogger(__name__)

PLOTS = "plots"
SHOWN = 20  # wrong items and malformed lines listed
CELL = 160  # characters of a prediction or gold shown
MAIN_METRICS = ("accuracy", "f1", "recall@5", "key_fact_recall", "overall_accuracy", "ndcg@10", "p50_ms")


@dataclass
class Heading:
    text: str


@dataclass
class Text:
    text: str


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]


@dataclass
class Plot:
    name: str
    caption: str
    svg: str


Block = Heading | Text | Bullets | Table | Plot


# --- values --------------------------------------------------------------------------------------------------


def fmt(value) -> str:
    """A cell: numbers to 4 significant digits (latencies to the unit), None as a dash."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return f"{value:.4g}" if abs(value) < 1000 else f"{value:.0f}"
    if isinstance(value, int):
        return str(value)
    return short(value)


def short(value, limit: int = CELL) -> str:
    """``value`` on one line (JSON for structures), cut to ``limit`` characters."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _shown(value) -> str:
    return "–" if value is None else short(value)


def main_metric(rows: dict[str, dict]) -> str | None:
    """The metric to chart per subject: a known headline metric if the rows have one, else the first number."""
    names = list(dict.fromkeys(k for row in rows.values() for k, v in row.items() if k != "n" and finite(v)))
    return next((m for m in MAIN_METRICS if m in names), names[0] if names else None)


def _plot(name: str, caption: str, draw: Callable[..., str | None], *args, **kwargs) -> list[Block]:
    """The figure ``draw(*args, **kwargs)``: nothing when there is nothing to draw, a line when drawing failed."""
    try:
        svg = draw(*args, **kwargs)
    except Exception as exc:  # a figure must never cost the run its report
        log.warning("eval report: figure %s not drawn: %s", name, exc, exc_info=True)
        return [Text(f"(figure {name} not drawn: {type(exc).__name__}: {exc})")]
    return [Plot(name, caption, svg)] if svg else []


# --- sections ------------------------------------------------------------------------------------------------


def _run(results: Results) -> list[Block]:
    r = results.run
    rows = [("suite", results.suite), ("items scored (n)", results.n), ("commit", r.commit), ("model", r.model),
            ("settings hash", r.settings_hash), ("dataset", r.dataset), ("dataset hash", r.dataset_hash),
            ("limit", r.limit), ("started", r.started_at), ("finished", r.finished_at or None),
            ("seconds", r.seconds), ("machine", r.machine or None),
            ("options", r.options or None), ("malformed lines", results.malformed.get("count", 0))]
    return [Heading("Run"), Table(["field", "value"], [[k, fmt(v)] for k, v in rows])]


def _metrics(results: Results) -> list[Block]:
    baselines = results.baselines
    names = list(dict.fromkeys([*results.metrics, *(k for b in baselines.values() for k in b)]))
    if not names:
        return [Heading("Metrics"), Text("The run recorded no metrics.")]
    arrows = {"higher": "↑", "lower": "↓", "neutral": ""}
    rows = [[name, arrows[direction(name)], fmt(results.metrics.get(name)), *(fmt(b.get(name))
                                                                            for b in baselines.values())]
            for name in names]
    blocks: list[Block] = [Heading("Metrics"), Table(["metric", "better", "run", *baselines], rows)]
    series = {"run": results.metrics, **baselines}
    scores = [n for n in names if direction(n) == "higher"
              and all(0 <= s[n] <= 1 for s in series.values() if finite(s.get(n)))
              and any(finite(s.get(n)) for s in series.values())]
    caption = "Scores of the run" + (" beside its baselines" if baselines else "")
    blocks += _plot("metrics", caption, grouped_bars, scores,
                    {label: [s.get(n) for n in scores] for label, s in series.items()}, title=caption)
    if results.notes:
        blocks.append(Bullets(list(results.notes)))
    return blocks


def _subjects(results: Results) -> list[Block]:
    rows = results.per_subject
    if not rows:
        return []
    columns = list(dict.fromkeys(k for row in rows.values() for k in row if k != "n"))
    table = Table(["subject", "n", *columns], [[name, fmt(row.get("n")), *(fmt(row.get(c)) for c in columns)]
                                               for name, row in rows.items()])
    blocks: list[Block] = [Heading("Per subject"), table]
    metric = main_metric(rows)
    if metric:
        bars = [(name, row[metric], row.get("n") if finite(row.get("n")) else None)
                for name, row in rows.items() if finite(row.get(metric))]
        caption = f"{metric} per subject"
        blocks += _plot("subjects", caption, horizontal_bars, bars, metric=metric, title=caption)
    return blocks


def latency_groups(predictions: list[Prediction], label: str) -> dict[str, list[float]]:
    """Latency samples by group: the prediction's ``operation`` (else ``label``), and each baseline's.

    A prediction's ``samples_ms`` (every timed call, the latency suite) is used where present, else its
    ``latency_ms``.
    """
    groups: dict[str, list[float]] = {}
    for p in predictions:
        extra = p.model_extra or {}
        group = str(extra.get("operation") or label)
        samples = extra.get("samples_ms")
        values = samples if isinstance(samples, list) and samples else [p.latency_ms]
        groups.setdefault(group, []).extend(float(v) for v in values if finite(v))
        baselines = extra.get("baselines")
        for name, base in (baselines.items() if isinstance(baselines, dict) else []):
            if isinstance(base, dict) and finite(base.get("latency_ms")):
                groups.setdefault(f"{group} · baseline {name}", []).append(float(base["latency_ms"]))
    return {k: v for k, v in groups.items() if v}


def _latency(results: Results, predictions: list[Prediction]) -> list[Block]:
    groups = latency_groups(predictions, results.suite)
    if not groups:
        return []
    rows = [[name, str(len(v)), fmt(percentile(v, 50)), fmt(percentile(v, 95)), fmt(sum(v) / len(v)), fmt(max(v))]
            for name, v in groups.items()]
    return [Heading("Latency"), Table(["group", "samples", "p50 ms", "p95 ms", "mean ms", "max ms"], rows),
            *_plot("latency", "Latency (ms), p50 and p95 marked", histograms, groups)]


def _confusion(table) -> tuple[list[str], list[list]] | None:
    if not isinstance(table, dict):
        return None
    labels, matrix = table.get("labels"), table.get("matrix")
    if (isinstance(labels, list) and isinstance(matrix, list) and len(matrix) == len(labels)
            and all(isinstance(row, list) and len(row) == len(labels) for row in matrix)):
        return [str(x) for x in labels], matrix
    return None


def _generic(value) -> Block:
    """A table of the suite's own: rows of a list of objects or of an object of objects, else its JSON."""
    if isinstance(value, list) and value and all(isinstance(r, dict) for r in value):
        keys = list(dict.fromkeys(k for r in value for k in r))
        return Table(keys, [[fmt(r.get(k)) for k in keys] for r in value])
    if isinstance(value, dict) and value and all(isinstance(r, dict) for r in value.values()):
        keys = list(dict.fromkeys(k for r in value.values() for k in r))
        return Table(["", *keys], [[str(name), *(fmt(r.get(k)) for k in keys)] for name, r in value.items()])
    if isinstance(value, dict) and value:
        return Table(["", ""], [[str(k), fmt(v)] for k, v in value.items()])
    return Text(short(value, 2000))


def _tables(results: Results) -> list[Block]:
    """The suite's tables; a confusion matrix (``confusion*``: labels and a square matrix) as a heatmap too."""
    blocks: list[Block] = []
    for name, value in results.tables.items():
        blocks.append(Heading(f"Table: {name}"))
        confusion = _confusion(value) if name.startswith("confusion") else None
        if confusion is None:
            blocks.append(_generic(value))
            continue
        labels, matrix = confusion
        blocks.append(Text("Rows: expected; columns: predicted."))
        blocks.append(Table(["expected \\ predicted", *labels], [[label, *map(fmt, row)]
                                                                  for label, row in zip(labels, matrix, strict=True)]))
        plot = re.sub(r"[^A-Za-z0-9_-]+", "-", name)
        blocks += _plot(plot, f"Confusion matrix: {name}", heatmap, labels, matrix, title=name)
    return blocks


def _malformed(results: Results) -> list[Block]:
    count, lines = results.malformed.get("count", 0), results.malformed.get("lines") or []
    if not count and not lines:
        return []
    rows = [[str(m.get("file", "")), str(m.get("line", "")), short(m.get("reason", ""))] for m in lines[:SHOWN]
            if isinstance(m, dict)]
    listed = (f"; the first {len(rows)}:" if count > len(rows) else ":") if rows else "."
    blocks: list[Block] = [Heading("Malformed dataset lines"), Text(f"Dataset lines left out: {count}{listed}")]
    if rows:
        blocks.append(Table(["file", "line", "reason"], rows))
    return blocks


def _wrong(predictions: list[Prediction]) -> list[Block]:
    if not predictions:
        return [Heading("Wrong items"), Text("No predictions were recorded.")]
    wrong = [p for p in predictions if p.correct is False]
    right = sum(p.correct is True for p in predictions)
    summary = f"{right} right, {len(wrong)} wrong, {len(predictions) - right - len(wrong)} not scored."
    if not wrong:
        return [Heading("Wrong items"), Text(summary)]
    errors = any((p.model_extra or {}).get("error") for p in wrong)
    rows = [[p.id, _shown(p.prediction), _shown(p.gold), *([_shown((p.model_extra or {}).get("error"))]
                                                           if errors else [])] for p in wrong[:SHOWN]]
    title = f"Wrong items (the first {SHOWN} of {len(wrong)})" if len(wrong) > SHOWN else "Wrong items"
    return [Heading(title), Text(summary), Table(["id", "prediction", "gold", *(["error"] if errors else [])], rows)]


def build(results: Results, predictions: list[Prediction]) -> list[Block]:
    return [*_run(results), *_metrics(results), *_subjects(results), *_latency(results, predictions),
            *_tables(results), *_wrong(predictions), *_malformed(results)]


# --- rendering -----------------------------------------------------------------------------------------------


def _md(text: str) -> str:
    """Text safe in a Markdown paragraph or table cell: no raw HTML, no column breaks, one line."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
    return " ".join(text.split())


def to_markdown(title: str, blocks: list[Block]) -> str:
    lines = [f"# {_md(title)}", ""]
    for b in blocks:
        if isinstance(b, Heading):
            lines += [f"## {_md(b.text)}", ""]
        elif isinstance(b, Text):
            lines += [_md(b.text), ""]
        elif isinstance(b, Bullets):
            lines += [*(f"- {_md(item)}" for item in b.items), ""]
        elif isinstance(b, Table):
            lines.append("| " + " | ".join(_md(h) or " " for h in b.header) + " |")
            lines.append("|" + "|".join("---" for _ in b.header) + "|")
            lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in b.rows]
            lines.append("")
        else:
            lines += [f"![{_md(b.caption)}]({PLOTS}/{b.name}.svg)", ""]
    return "\n".join(lines)


_NUMBER = re.compile(r"[-+]?\d[\d.,e+-]*%?|–")
CSS = """body{font-family:system-ui,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;
max-width:1100px;margin:2em auto;padding:0 1em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.2em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top;word-break:break-word}
th{background:#f2f4f7}td.num{text-align:right;font-variant-numeric:tabular-nums}figure{margin:1em 0}
figure svg{max-width:100%;height:auto}figcaption{color:#555;font-size:.9em}"""


def inline_svg(svg: str, prefix: str, caption: str) -> str:
    """An SVG document as an element of the page: no prologue or metadata, ids prefixed so figures never share one."""
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg[svg.find("<svg"):], flags=re.S)
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', svg)
    return svg.replace("<svg", f'<svg role="img" aria-label="{html.escape(caption)}"', 1)


def _cell(tag: str, text: str) -> str:
    cls = ' class="num"' if tag == "td" and _NUMBER.fullmatch(text) else ""
    return f"<{tag}{cls}>{html.escape(text)}</{tag}>"


def to_html(title: str, blocks: list[Block]) -> str:
    e = html.escape
    parts = ['<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">',
             f"<title>{e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<h1>{e(title)}</h1>"]
    for b in blocks:
        if isinstance(b, Heading):
            parts.append(f"<h2>{e(b.text)}</h2>")
        elif isinstance(b, Text):
            parts.append(f"<p>{e(b.text)}</p>")
        elif isinstance(b, Bullets):
            parts.append("<ul>" + "".join(f"<li>{e(item)}</li>" for item in b.items) + "</ul>")
        elif isinstance(b, Table):
            head = "<tr>" + "".join(_cell("th", h) for h in b.header) + "</tr>"
            body = "".join("<tr>" + "".join(_cell("td", c) for c in row) + "</tr>\n" for row in b.rows)
            parts.append(f"<table>\n<thead>{head}</thead>\n<tbody>\n{body}</tbody>\n</table>")
        else:
            parts.append(f"<figure>\n{inline_svg(b.svg, b.name, b.caption)}\n<figcaption>{e(b.caption)}</figcaption>"
                         "\n</figure>")
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)


def write_report(folder: Path, results: Results, predictions: list[Prediction]) -> list[Path]:
    """Write ``report.md``, ``plots/*.svg`` and ``report.html`` into the run folder; return the paths written.

    ``plots/`` belongs to the report: figures of an earlier report in the same folder are removed.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    blocks = build(results, list(predictions))
    plots = [b for b in blocks if isinstance(b, Plot)]
    written = []
    for stale in (folder / PLOTS).glob("*.svg"):
        stale.unlink()
    if plots:
        (folder / PLOTS).mkdir(exist_ok=True)
    for plot in plots:
        path = folder / PLOTS / f"{plot.name}.svg"
        path.write_text(plot.svg, encoding="utf-8")
        written.append(path)
    title = f"Evaluation report · {results.suite}"
    md, page = folder / "report.md", folder / "report.html"
    md.write_text(to_markdown(title, blocks), encoding="utf-8")
    page.write_text(to_html(title, blocks), encoding="utf-8")
    return [md, page, *written]
