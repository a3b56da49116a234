"""Tables: Markdown pipe-table parsing/rendering and HTML table conversion.

Every reader turns a table into ONE Markdown pipe table (header row, ``|---|``
separator, body rows).  Merged cells (HTML ``colspan``/``rowspan``, Word
horizontal/vertical merges) are repeated in every grid position they cover,
so each row stays self-contained for retrieval.  Cell text never contains a
newline or an unescaped pipe.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html.parser import HTMLParser

_MAX_COLSPAN = 64
_MAX_ROWSPAN = 10_000

# CJK ideographs (incl. ext. A and supplementary planes), CJK punctuation,
# kana and full-width forms: no spaces are written between these.
_CJK = "\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff"
_WS_RUN = re.compile(r"\s+")
_CJK_CHAR = re.compile(f"[{_CJK}]")
# quotes, dashes and ellipsis used inside Chinese text (“” ‘’ — …)
_CJK_OR_PUNCT = re.compile(f"[{_CJK}\u2010-\u2027]")
_DELIMITER_ROW = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def collapse_whitespace(text: str) -> str:
    """Collapse whitespace runs to one space, CJK-aware.

    A run that contains a line break and sits between two CJK characters is
    removed entirely (source line wrapping inside Chinese text is not a word
    boundary), so ``"持股\\n比例"`` stays the single token ``"持股比例"``.
    Chinese quotes/dashes (“” — …) count as CJK when the other side is CJK.

    Examples
    --------
    >>> collapse_whitespace("  持股\\n比例 \\n ratio  ")
    '持股比例 ratio'
    """

    def repl(match: re.Match[str]) -> str:
        run = match.group(0)
        start, end = match.span()
        if "\n" in run and start > 0 and end < len(text):
            before, after = text[start - 1], text[end]
            if (_CJK_CHAR.match(before) and _CJK_OR_PUNCT.match(after)) or (
                _CJK_OR_PUNCT.match(before) and _CJK_CHAR.match(after)
            ):
                return ""
        return " "

    return _WS_RUN.sub(repl, text).strip()


def escape_cell(text: str) -> str:
    """Make ``text`` safe for one pipe-table cell (one line, pipes escaped).

    Line breaks inside a cell become a single space; whitespace runs collapse.

    Examples
    --------
    >>> escape_cell("A|B\\n  C")
    'A\\\\|B C'
    """
    flat = " ".join(text.split())
    return _UNESCAPED_PIPE.sub(r"\\|", flat)


def render_pipe_table(rows: Sequence[Sequence[str]]) -> str:
    """Render rows (first row = header) as a Markdown pipe table.

    Short rows are padded with empty cells; cell text is passed through
    :func:`escape_cell`.  Returns ``""`` for a table without any text.

    Examples
    --------
    >>> print(render_pipe_table([["序号", "名称"], ["1", "耕地保有量"]]))
    | 序号 | 名称 |
    |---|---|
    | 1 | 耕地保有量 |
    """
    cleaned = [[escape_cell(cell) for cell in row] for row in rows]
    cleaned = [row for row in cleaned if any(row)]
    if not cleaned:
        return ""
    width = max(len(row) for row in cleaned)
    lines = []
    for i, row in enumerate(cleaned):
        padded = list(row) + [""] * (width - len(row))
        lines.append("| " + " | ".join(padded) + " |")
        if i == 0:
            lines.append("|" + "---|" * width)
    return "\n".join(lines)


def is_delimiter_row(line: str) -> bool:
    """True for a pipe-table separator row such as ``|---|:---:|``."""
    return "-" in line and bool(_DELIMITER_ROW.match(line))


def parse_pipe_row(line: str) -> list[str]:
    """Split one pipe-table line into unescaped, stripped cell texts.

    Examples
    --------
    >>> parse_pipe_row("| a | b\\\\|c |")
    ['a', 'b|c']
    """
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    return [cell.strip().replace("\\|", "|") for cell in _UNESCAPED_PIPE.split(body)]


def parse_pipe_table(lines: Sequence[str]) -> list[list[str]]:
    """Parse the lines of a pipe table into rows, dropping separator rows.

    Examples
    --------
    >>> parse_pipe_table(["| 序号 | 名称 |", "|---|---|", "| 1 | 耕地 |"])
    [['序号', '名称'], ['1', '耕地']]
    """
    return [parse_pipe_row(line) for line in lines if line.strip() and not is_delimiter_row(line)]


class TableGrid:
    """Accumulates table cells with spans and expands them to a full grid.

    Examples
    --------
    >>> grid = TableGrid()
    >>> grid.add_row([("类型", 1, 2), ("指标", 1, 1)])
    >>> grid.add_row([("面积", 1, 1)])
    >>> grid.rows
    [['类型', '指标'], ['类型', '面积']]
    """

    def __init__(self) -> None:
        self.rows: list[list[str]] = []
        self._pending: dict[int, tuple[str, int]] = {}  # column -> (text, rows still covered)

    def add_row(self, cells: Sequence[tuple[str, int, int]]) -> None:
        """Add one source row of ``(text, colspan, rowspan)`` cells."""
        row: list[str] = []
        col = 0

        def fill_pending() -> None:
            nonlocal col
            while col in self._pending:
                text, remaining = self._pending[col]
                row.append(text)
                if remaining <= 1:
                    del self._pending[col]
                else:
                    self._pending[col] = (text, remaining - 1)
                col += 1

        for text, colspan, rowspan in cells:
            fill_pending()
            colspan = min(max(colspan, 1), _MAX_COLSPAN)
            rowspan = min(max(rowspan, 1), _MAX_ROWSPAN)
            for _ in range(colspan):
                row.append(text)
                if rowspan > 1:
                    self._pending[col] = (text, rowspan - 1)
                col += 1
        # cells spanning down from earlier rows to the right of this row's own cells
        while self._pending and col <= max(self._pending):
            if col in self._pending:
                fill_pending()
            else:
                row.append("")
                col += 1
        self.rows.append(row)


def _span(value: str | None) -> int:
    try:
        return int(str(value).strip()) if value is not None else 1
    except ValueError:
        return 1


class HtmlTableCollector:
    """Collects rows and cells of one HTML ``<table>`` from parser events.

    Used by both the HTML reader and the embedded-table conversion of .md and
    .txt files.  Nested tables are flattened into the enclosing cell's text.
    """

    def __init__(self) -> None:
        self.grid = TableGrid()
        self.caption_parts: list[str] = []
        self.depth = 0  # 1 = inside the outer table
        self._row: list[tuple[str, int, int]] | None = None
        self._cell: list[str] | None = None
        self._cell_spans = (1, 1)
        self._in_caption = False

    def start(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Handle a start tag seen while inside the table (including ``<table>``)."""
        if tag == "table":
            self.depth += 1
            if self.depth > 1 and self._cell is not None:
                self._cell.append(" ")
            return
        if self.depth > 1:
            if tag in {"td", "th", "tr", "br", "p", "div", "li"} and self._cell is not None:
                self._cell.append(" ")
            return
        if tag == "tr":
            self._finish_row()
            self._row = []
        elif tag in {"td", "th"}:
            self._finish_cell()
            if self._row is None:
                self._row = []
            values = dict(attrs)
            self._cell = []
            self._cell_spans = (_span(values.get("colspan")), _span(values.get("rowspan")))
        elif tag == "caption":
            self._in_caption = True
        elif tag in {"br", "p", "div", "li"} and self._cell is not None:
            self._cell.append("\n")

    def end(self, tag: str) -> bool:
        """Handle an end tag; return True when the outer table is closed."""
        if tag == "table":
            self.depth -= 1
            if self.depth <= 0:
                self._finish_row()
                return True
            return False
        if self.depth > 1:
            return False
        if tag in {"td", "th"}:
            self._finish_cell()
        elif tag == "tr":
            self._finish_row()
        elif tag == "caption":
            self._in_caption = False
        elif tag in {"p", "div", "li"} and self._cell is not None:
            self._cell.append("\n")
        return False

    def data(self, text: str) -> None:
        """Handle character data inside the table."""
        if self._in_caption:
            self.caption_parts.append(text)
        elif self._cell is not None:
            self._cell.append(text)

    @property
    def caption(self) -> str:
        """The table's ``<caption>`` text, whitespace collapsed."""
        return collapse_whitespace("".join(self.caption_parts))

    def markdown(self) -> str:
        """The table as a pipe table (``""`` if it holds no text)."""
        self._finish_row()
        return render_pipe_table(self.grid.rows)

    def _finish_cell(self) -> None:
        if self._cell is None:
            return
        text = collapse_whitespace("".join(self._cell))
        if self._row is None:
            self._row = []
        self._row.append((text, *self._cell_spans))
        self._cell = None

    def _finish_row(self) -> None:
        self._finish_cell()
        if self._row:
            self.grid.add_row(self._row)
        self._row = None


class _FragmentParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.collector = HtmlTableCollector()
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.done:
            self.collector.start(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.done and tag != "table":
            self.collector.start(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if not self.done and self.collector.end(tag):
            self.done = True

    def handle_data(self, data: str) -> None:
        if not self.done:
            self.collector.data(data)


def html_table_to_markdown(fragment: str) -> tuple[str, str]:
    """Convert one HTML ``<table>…</table>`` fragment to a pipe table.

    Returns
    -------
    tuple[str, str]
        ``(caption, pipe_table)``; either may be ``""``.

    Examples
    --------
    >>> html_table_to_markdown('<table><tr><td rowspan="2">生态</td><td>1</td></tr><tr><td>2</td></tr></table>')[1]
    '| 生态 | 1 |\\n|---|---|\\n| 生态 | 2 |'
    """
    parser = _FragmentParser()
    parser.feed(fragment)
    parser.close()
    return parser.collector.caption, parser.collector.markdown()
