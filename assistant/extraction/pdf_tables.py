"""Rebuild tables and paragraphs from the line fragments pypdf gives for a PDF.

A table cell wrapped in a narrow column comes out as several lines ("地块编" "号", "积≥12" "0m²）").
The header is rebuilt by joining fragments into known labels; each body row starts at a parcel id,
and its fragments are assigned to the columns so that every numeric column gets one number and
every text column a well-formed text (balanced brackets, a parking ratio where one is expected).
Page-number lines and a header repeated on the next page are skipped, so a table runs across pages.
"""

from __future__ import annotations

import re
from functools import cache

from assistant.extraction.document import _PARA_START, Layout, Paragraph, Table, _caption, is_page_number
from assistant.extraction.normalise import is_empty, parse_parking
from ingest.models import Block

_LABELS = ("地块编号", "地块编码", "地块代码", "宗地编号", "序号", "单元", "用地代码", "用地性质代码", "用地性质", "用地类别",
           "用地类型", "土地用途", "用地面积", "占地面积", "出让面积", "容积率上限", "容积率下限", "容积率", "建筑密度",
           "建筑限高", "建筑高度", "限高", "绿地率", "绿化率", "停车位", "机动车停车位", "停车泊位", "配套设施",
           "公共服务设施", "兼容用地", "兼容性质", "兼容用途", "建筑退让", "备注")
_LABEL = re.compile(r"^(?:" + "|".join(_LABELS) + r")(?:（[^（）]*）|\([^()]*\)|（[^（）]*\)|\([^()]*）)?$")
_ID_START = re.compile(r"^[A-Z]{1,6}[0-9A-Z]*-")
_NUMERIC = re.compile(r"^(?:[≤≥<>]?\s*\d+(?:\.\d+)?\s*%?|\d+(?:\.\d+)?\s*[-~～/]\s*\d+(?:\.\d+)?|[—\-/／无]+)$")
_NUMERIC_KINDS = ("用地代码", "用地面积", "占地面积", "出让面积", "容积率", "建筑密度", "建筑限高", "建筑高度", "限高", "绿地率",
                  "绿化率", "单元")


def _is_label(text: str) -> bool:
    return bool(_LABEL.match(text))


def _header(lines: list[tuple[int, str]], i: int) -> tuple[list[str], int] | None:
    cells: list[str] = []
    j = i
    while j < len(lines):
        cur, k = lines[j][1], j + 1
        while k < len(lines) and k - j < 5 and (not _is_label(cur) or _is_label(cur + lines[k][1])):
            if not _is_label(cur) and not any(lab.startswith(cur + lines[k][1]) or (cur + lines[k][1]).startswith(lab)
                                               for lab in _LABELS):
                break
            cur, k = cur + lines[k][1], k + 1
        if not _is_label(cur):
            break
        cells.append(cur)
        j = k
    if len(cells) >= 4 and cells[0].startswith(("地块", "宗地")):
        return cells, j
    return None


def _valid(kind: str, text: str) -> bool:
    if text.count("（") != text.count("）") or text.count("(") != text.count(")"):
        return False
    if kind.startswith(_NUMERIC_KINDS) and not kind.startswith("用地性质"):
        return bool(_NUMERIC.match(text))
    if kind.startswith(("停车", "机动车")):
        found = parse_parking(text)
        return is_empty(text) or bool(found) and found[0].start == 0 and found[0].end == len(text)
    return True


def _assign(header: list[str], pieces: list[str]) -> list[str] | None:
    """Split the fragments of one row (after its id) into the columns header[1:]."""
    kinds = header[1:]

    @cache
    def go(ci: int, pi: int) -> tuple[str, ...] | None:
        if ci == len(kinds):
            return () if pi == len(pieces) else None
        numeric = kinds[ci].startswith(_NUMERIC_KINDS) and not kinds[ci].startswith("用地性质")
        counts = range(1, (2 if numeric else 40) + 1)
        if kinds[ci].startswith(("停车", "机动车")):  # "1.0个/100m²" may go on with "建筑面积"
            counts = range(40, 0, -1)
        for count in counts:
            if pi + count > len(pieces):
                continue
            cell = "".join(pieces[pi:pi + count])
            if _valid(kinds[ci], cell):
                rest = go(ci + 1, pi + count)
                if rest is not None:
                    return (cell, *rest)
        return None

    result = go(0, 0)
    return list(result) if result is not None else None


def pdf_layout(blocks: list[Block]) -> Layout:
    lines = [(b.page or 0, b.text.strip()) for b in blocks if b.text.strip() and not is_page_number(b.text.strip())]
    tables: list[Table] = []
    paragraphs: list[Paragraph] = []
    buf: list[tuple[int, str]] = []

    def flush() -> None:
        if buf:
            text = "".join(t for _, t in buf)
            m = _PARA_START.match(text)
            marker = m[0].strip() if m and not m[0].endswith(("：", ":")) and "地块" not in m[0] else f"第{len(paragraphs) + 1}段"
            paragraphs.append(Paragraph(text, f"第{buf[0][0]}页 {marker}", page=buf[0][0]))
            buf.clear()

    i = 0
    while i < len(lines):
        found = _header(lines, i) if not _ID_START.match(lines[i][1]) else None
        if found is None:
            page, text = lines[i]
            if buf and _PARA_START.match(text):
                flush()
            buf.append((page, text))
            i += 1
            continue
        caption = _caption(paragraphs[-1].text if not buf else "".join(t for _, t in buf), len(tables) + 1)
        flush()
        header, i = found
        rows: list[list[str]] = [header]
        pages: list[int | None] = []
        while i < len(lines) and _ID_START.match(lines[i][1]):
            page, pid = lines[i]
            i += 1
            while pid.endswith("-") and i < len(lines):
                pid, i = pid + lines[i][1], i + 1
            pieces: list[str] = []
            while i < len(lines) and not _ID_START.match(lines[i][1]):
                text = lines[i][1]
                if _header(lines, i) is not None:  # the header repeated after a page break
                    i = _header(lines, i)[1]  # type: ignore[index]
                    continue
                if _PARA_START.match(text) or "。" in text or len(text) >= 24:
                    break
                pieces.append(text)
                i += 1
            cells = _assign(header, pieces)
            if cells is None:
                cells = (pieces + [""] * len(header))[:len(header) - 1]
            rows.append([pid, *cells])
            pages.append(page)
            if i < len(lines) and not _ID_START.match(lines[i][1]) and _header(lines, i) is None:
                break
        tables.append(Table(rows, caption, pages, position=len(paragraphs)))
    flush()
    return Layout(tables, paragraphs, is_pdf=True)
