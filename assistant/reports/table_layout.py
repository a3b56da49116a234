"""Column widths for a table of wrapping text, from the width of its content in the report font.

Shared by the PDF and DOCX renderers of :class:`~spatial.compare.report.ReportDocument`
(the same font is embedded in both, so the same measurements hold).
"""

from __future__ import annotations

import re

_UNBROKEN = re.compile(r"[!-~]+|\S")  # a run of printable ASCII (an id, a number), or any other single character
MIN_EMS = 4  # a wrapped cell keeps at least this many CJK characters (ems) a line, when the page has room


def column_widths(header: list[str] | None, rows: list[list[str]], font: str, *, size: float, total: float,
                  padding: float) -> list[float]:
    """Column widths in points that sum to ``total``, for cells in ``font`` (a reportlab font name) at
    ``size`` points with ``padding`` points left and right.

    Each column ranges from ``narrowest``, its longest unbroken run but at least ``MIN_EMS`` ems
    (or the whole cell, if shorter) and at most an equal share of ``total``, to ``widest``, its
    longest cell on one line, plus the padding.
    When every column fits on one line the widths are ``widest`` stretched to ``total``; else each
    column gets ``narrowest`` and the rest of the width in proportion to how much it still lacks;
    when even ``narrowest`` does not fit they are shrunk alike and runs break (CJK wrap).

    Examples
    --------
    >>> from assistant.reports.fonts import reportlab_font
    >>> w = column_widths(["编号", "说明"], [["SF-01-09", "说明" * 200]], reportlab_font(), size=8, total=400,
    ...                   padding=3)
    >>> round(sum(w)), w[0] < 60 < w[1]
    (400, True)
    """
    from reportlab.pdfbase.pdfmetrics import stringWidth

    table = ([header] if header is not None else []) + rows
    count = max((len(r) for r in table), default=0)
    if count == 0:
        return []
    pad = 2 * padding + 1  # and a point to spare for rounding

    def width(text: str) -> float:
        return stringWidth(text, font, size)

    widest, narrowest = [], []
    for c in range(count):
        cells = [r[c] for r in table if c < len(r)]
        widest.append(max((width(t) for t in cells), default=0.0) + pad)
        unbroken = max((max(min(width(t), MIN_EMS * size), *(width(run) for run in _UNBROKEN.findall(t)))
                        for t in cells if t.strip()), default=0.0)
        narrowest.append(min(unbroken + pad, total / count))  # a very long run may break rather than crowd out the rest
    if sum(widest) <= total:
        return [w * total / sum(widest) for w in widest]
    if sum(narrowest) <= total:
        lacking = [w - n for w, n in zip(widest, narrowest, strict=True)]
        spare = total - sum(narrowest)
        return [n + spare * gap / sum(lacking) for n, gap in zip(narrowest, lacking, strict=True)]
    return [n * total / sum(narrowest) for n in narrowest]
