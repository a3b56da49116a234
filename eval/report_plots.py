"""The evaluation report's figures, as SVG text (matplotlib, off-screen, no pyplot state).

Text is drawn as glyph outlines (``svg.fonttype = path``), Latin in DejaVu Sans and Chinese in the
CJK font of :mod:`assistant.reports.fonts`, so the figures render the same in any browser with no
font installed.  Without that font, matplotlib's default font is used (Chinese glyphs then show as
boxes; the report's tables still carry the names).  Each function returns None when there is
nothing to draw.  Output is deterministic (no date, fixed id salt).
"""

from __future__ import annotations

import io
import logging
import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from eval.metrics import percentile

log = logging.getLogger(__name__)
COLOURS = ["#3b6ea8", "#e08a3c", "#5a9e5a", "#b44b4b", "#7d63a8", "#8c8c8c"]
MAX_BARS = 40  # subjects drawn (the largest n first); the table lists all
MAX_GROUPS = 8  # latency histograms


def finite(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _cjk_family() -> str | None:
    try:
        from assistant.reports import fonts
    except ImportError:
        return None
    try:
        fonts.matplotlib_font()  # registers the font with matplotlib's font manager
        return fonts.cjk_font().family
    except (ImportError, OSError, RuntimeError):  # FontError is a RuntimeError
        return None


@cache
def _no_font() -> None:
    log.warning("eval report: no CJK font (pip install paperang-p2-fonts-cjk): Chinese labels in the figures "
                "show as boxes")


@contextmanager
def _style() -> Iterator[None]:
    """matplotlib settings for one figure; without the CJK font, one log line instead of a warning per glyph."""
    import matplotlib

    cjk = _cjk_family()
    family = ["DejaVu Sans", *([cjk] if cjk else [])]
    with warnings.catch_warnings(), matplotlib.rc_context({
            "svg.fonttype": "path", "svg.hashsalt": "onemap-eval", "font.family": family, "font.size": 9,
            "axes.spines.top": False, "axes.spines.right": False}):
        if not cjk:
            _no_font()
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")
        yield


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return buf.getvalue()


def grouped_bars(names: list[str], series: dict[str, list[float | None]], *, title: str) -> str | None:
    """Bars of ``names`` (0..1 scores), one colour per series (the run, then each baseline)."""
    if not names or not series:
        return None
    with _style():
        fig = _figure(max(4.0, 0.9 * len(names) * max(1, len(series)) ** 0.5 + 1.5), 3.2)
        ax = fig.add_subplot()
        width = 0.8 / len(series)
        for i, (label, values) in enumerate(series.items()):
            xs = [j + (i - (len(series) - 1) / 2) * width for j in range(len(names))]
            heights = [v if finite(v) else 0.0 for v in values]
            bars = ax.bar(xs, heights, width * 0.95, label=label, color=COLOURS[i % len(COLOURS)])
            if len(names) * len(series) <= 24:
                ax.bar_label(bars, labels=[f"{v:.2f}" if finite(v) else "–" for v in values], fontsize=6.5,
                             padding=1)
        ax.set_xticks(range(len(names)), names, rotation=30 if len(names) > 5 else 0, ha="right" if len(names) > 5
                      else "center")
        ax.set_ylim(0, 1.1)
        ax.set_title(title)
        if len(series) > 1:
            ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return _svg(fig)


def horizontal_bars(rows: list[tuple[str, float, float | None]], *, metric: str, title: str) -> str | None:
    """One bar per ``(label, value, n)``, sorted by value (the highest on top), labelled with n."""
    rows = [r for r in rows if finite(r[1])]
    if not rows:
        return None
    if len(rows) > MAX_BARS:
        rows = sorted(rows, key=lambda r: -(r[2] or 0))[:MAX_BARS]
        title += f" ({MAX_BARS} largest)"
    rows.sort(key=lambda r: r[1])
    with _style():
        fig = _figure(6.0, 0.28 * len(rows) + 1.0)
        ax = fig.add_subplot()
        labels = [f"{label} (n={n:g})" if finite(n) else label for label, _, n in rows]
        bars = ax.barh(range(len(rows)), [r[1] for r in rows], color=COLOURS[0])
        ax.bar_label(bars, labels=[f"{r[1]:.3g}" for r in rows], fontsize=7, padding=2)
        ax.set_yticks(range(len(rows)), labels)
        top = max(r[1] for r in rows)
        ax.set_xlim(0, 1.1 if 0 <= top <= 1 else max(top * 1.15, 1.0))
        ax.set_xlabel(metric)
        ax.set_title(title)
        return _svg(fig)


def histograms(groups: dict[str, list[float]], *, unit: str = "ms") -> str | None:
    """One latency histogram per group, with its p50 and p95 marked."""
    groups = {k: [v for v in values if finite(v)] for k, values in list(groups.items())[:MAX_GROUPS]}
    groups = {k: v for k, v in groups.items() if v}
    if not groups:
        return None
    with _style():
        fig = _figure(6.0, 1.9 * len(groups) + 0.4)
        for i, (label, values) in enumerate(groups.items(), start=1):
            ax = fig.add_subplot(len(groups), 1, i)
            ax.hist(values, bins=max(5, min(30, round(math.sqrt(len(values))) * 2)), color=COLOURS[0])
            for q, style in ((50, "--"), (95, ":")):
                x = percentile(values, q)
                ax.axvline(x, color=COLOURS[3], linestyle=style, label=f"p{q} {x:.4g} {unit}")
            ax.set_title(f"{label} (n={len(values)})", fontsize=9)
            ax.set_ylabel("count")
            ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        fig.axes[-1].set_xlabel(f"latency ({unit})")
        fig.tight_layout()
        return _svg(fig)


def heatmap(labels: list[str], matrix: list[list[float]], *, title: str) -> str | None:
    """A confusion matrix: expected rows × predicted columns, each cell annotated with its count."""
    if not labels or len(matrix) != len(labels) or any(len(row) != len(labels) for row in matrix):
        return None
    values = [[v if finite(v) else 0 for v in row] for row in matrix]
    top = max((v for row in values for v in row), default=0) or 1
    with _style():
        side = 1.0 + 0.6 * len(labels)
        fig = _figure(side + 1.2, side)
        ax = fig.add_subplot()
        image = ax.imshow(values, cmap="Blues", vmin=0, vmax=top)
        for r, row in enumerate(values):
            for c, v in enumerate(row):
                ax.text(c, r, f"{v:g}", ha="center", va="center", fontsize=8,
                        color="white" if v > top / 2 else "#222222")
        ax.set_xticks(range(len(labels)), labels, rotation=30 if len(labels) > 3 else 0)
        ax.set_yticks(range(len(labels)), labels)
        ax.set_xlabel("predicted")
        ax.set_ylabel("expected")
        ax.set_title(title)
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
        return _svg(fig)
