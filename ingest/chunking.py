"""Structure-aware chunking of Chinese planning, legal and policy documents.

:func:`chunk_blocks` turns the :class:`~ingest.models.Block` list a reader
delivers into :class:`~ingest.models.ChunkDraft` records.  The rules, in the
order they are applied:

1. **Clean-up.**  Empty paragraphs, HTML comments (``<!-- INFO END -->``,
   OCR image text) and page-number lines (``- 3 -``, ``12``, ``第3页``) are
   dropped.  A table of contents is dropped too: everything after a
   ``目录`` / ``目 录`` / ``目次`` line that looks like an entry ending in a page
   number (``1.1 适用范围.9``, ``3开展……建设15``), plus, anywhere, numbered
   lines with dot leaders and a page number.
2. **PDF re-joining.**  A paragraph that does not end a sentence (last
   character not in ``。！？；：”」）…``) is joined to the next one, without a
   space between CJK characters, unless either side is structure: the next
   paragraph starts with a marker (``第X条``, ``（一）``, ``3.2``, bullet,
   caption, date line) or the previous one is a title (a short marker line,
   a ``表N``/``图N`` caption, the document's first line).
3. **Markers.**  Each paragraph is matched against the numbering styles used
   in laws, plans, policies and technical guides.  From the outermost in::

       附录A / 附件1  >  第X编/篇/部分  >  第X章  >  第X节  >  第X条
       >  1 / 1.1 / 1.1.1 / 1.1.1.1 (and A.1)  >  一、  >  （一）  >  1. 1、 1．
       >  （1）  >  1）  >  a）

   ``第X条`` starts an article only at the start of a paragraph and only
   when followed by a separator or text, never by ``规定 的 第 、 ， 和 至 …``
   (``第四十四条规定的…`` is a cross-reference).  ``第X章`` etc. are headings
   only as a short standalone line (title <= 30 characters, no ``。，；``).
4. **Headings vs. content.**  Markdown heading blocks are always headings.
   A marker paragraph that is only a short title (``一、总体要求``,
   ``3.2.1 国土空间规划“一张图”应用``) becomes a heading when content follows
   it; a marker paragraph with body text (``（四）按照……划定。生态保护红线是…``)
   opens a chunk; so does a title-only marker followed by a sibling (an
   item of a list, not a heading).  An article, or a marker paragraph with
   body, owns every following paragraph, including deeper markers (款, 项),
   until the next marker of the same or a higher level, a heading or the
   end; an article never closes the headings above it (``一、…`` sections of
   a judicial interpretation keep holding their articles).  Short ``a）``,
   ``1.``, ``（1）`` items after a line ending in ``：`` stay in that line's
   chunk.  Markdown headings nest by level; an inferred marker closes open
   headings of the same or a deeper rank; ``附录``/``附件`` closes all.  A
   heading that gets no content at all is emitted as a chunk of its own.
5. **Locators.**  ``第四十四条`` (whitespace removed), ``一`` for ``一、``,
   ``（四）``, ``1`` for ``1.``/``1、``/``1．``, ``（1）``, ``1）``, ``a）``,
   ``3.2.1`` (full-width dots become ``.``), ``附录A``, ``第五章`` for text
   directly under a chapter, ``表3`` / ``附表1`` / ``表G.1`` for a table with a
   caption, ``前言`` for front matter before the first structure and
   ``第N段`` (1-based paragraph number) for documents without any structure.
   A Markdown heading without a marker is its own locator (its title).
6. **Heading paths** hold the enclosing headings as written, with whitespace
   runs collapsed and spaces between CJK characters removed; for
   ``第X编/章/节`` exactly one space separates number and title
   (``## 第一章  总 则`` -> ``第一章 总则``).  A level-1 Markdown heading without
   a marker before any structure is the document title: it is dropped.
7. **Sizes.**  The paragraphs of one unit are packed up to ``max_chars``
   (joined with ``\\n``).  A longer unit splits at paragraph (款) boundaries;
   a paragraph longer than ``max_chars`` splits at sentence ends
   (``。！？；``, never inside quotes or brackets) or before inline items
   (``：（一）``), then at clause marks (``，、：``) and, only if a run without
   punctuation is still too long, hard at ``max_chars`` (never inside a run of
   digits or Latin letters).  Every piece keeps the unit's locator and heading
   path; text stays verbatim.
8. **Tables** are never split nor merged with text.  A caption paragraph just
   before the table (``表3 …``, ``附表1``, optionally followed by a
   ``单位：…`` line) moves into the table chunk as its first line(s) and gives
   the locator; otherwise the table takes the enclosing locator.  The
   paragraphs of a unit continue after the table with the unit's locator.

``doc_type`` only matters for one rule: in laws and regulations a bare
leading number (``1 总则``) is never a section heading; elsewhere it is one
when the document also uses ``1.1``-style numbers.  :func:`split_sentences`
exposes the quote-aware sentence splitter used for long paragraphs.

The function is pure and deterministic; all regular expressions are compiled
at import time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ingest.models import Block, ChunkDraft, DocType

__all__ = ["chunk_blocks", "split_sentences"]

# --------------------------------------------------------------------------
# Character classes and constants
# --------------------------------------------------------------------------

_CN_DIGITS = "〇零一二三四五六七八九十百千两"
_NUM = rf"[{_CN_DIGITS}0-9０-９]+"
_CN_SMALL = "[一二三四五六七八九十百]{1,4}"
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_OR_PUNCT = _CJK + "\u3000-\u303f\uff00-\uffef\u2018-\u201d"
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"

_CHAPTER_TITLE_MAX = 30
_LIST_ITEM_MAX = 120
_LIST_KINDS = frozenset({"ar1", "ar2", "ar3", "alpha"})
_MARKER_TITLE_MAX = 40
_TOC_ENTRY_MAX = 80

_TITLE_FORBIDDEN = frozenset("。，；：！？,;:!?")
_SENTENCE_FORBIDDEN = frozenset("。；：！？;:!?")
_TERMINAL_END = frozenset("。！？；：”」』’）)…!?;:")
_SENTENCE_END = frozenset("。！？；!?;")
_CLAUSE_END = frozenset("，、：,:")
_HEADING_OPEN_END = frozenset("、，,和与及或")
_OPENERS = {"“": "”", "‘": "’", "「": "」", "『": "』", "（": "）", "(": ")", "《": "》", "【": "】"}
_CLOSERS = frozenset(_OPENERS.values())
_ATOM_CHARS = re.compile(r"[0-9A-Za-z０-９.．%％_\-]")
# A number directly followed by one of these is a quantity, not a section number.
_UNIT_CHARS = frozenset("年月日时万亿千百元米亩%％‰个倍次")

# Ranks: smaller is outer.  Decimal depth d has rank _RANK_DECIMAL + d.
_RANK_APPENDIX = 0
_RANK_PART = 1
_RANK_CHAPTER = 2
_RANK_SECTION = 3
_RANK_ARTICLE = 4
_RANK_DECIMAL = 4  # + depth (1..4) -> 5..8
_RANK_CN1 = 9
_RANK_CN2 = 10
_RANK_AR1 = 11
_RANK_AR2 = 12
_RANK_AR3 = 13
_RANK_ALPHA = 14
_CHAPTER_LEVELS = {
    "编": ("part", _RANK_PART),
    "篇": ("part", _RANK_PART),
    "部分": ("part", _RANK_PART),
    "章": ("chapter", _RANK_CHAPTER),
    "节": ("section", _RANK_SECTION),
}

# --------------------------------------------------------------------------
# Regular expressions (compiled once, at import)
# --------------------------------------------------------------------------

_HTML_COMMENT_RE = re.compile(r"^<!--.*?-->$", re.S)
_PAGE_NUMBER_RE = re.compile(
    r"^(?:[-—–－\s]*\d{1,4}[-—–－\s]*|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4}|[IVXivx]{1,5})$"
)
_TOC_TITLE_RE = re.compile(r"^#*\s*目\s*[录錄次]\s*$")
_TOC_ENTRY_RE = re.compile(r"^(?P<body>.*?[^\d\s.．·…_—\-])[\s.．·…_—\-]*(?P<page>\d{1,4})$", re.S)
_LEADER_PAGE_RE = re.compile(rf"(?:[.．·…_]{{2,}}|(?<=[{_CJK}”》）])[.．·…])\s*\d{{1,4}}$")
_TOC_LIKE_START_RE = re.compile(
    rf"^(?:第\s*{_NUM}\s*(?:[编篇章节条]|部分)|\d|[A-Z][.．]\d|附[录件表]|{_CN_SMALL}、|[（(])"
)

_CHAPTER_RE = re.compile(rf"^(第\s*{_NUM}\s*(?:编|篇|部分|章|节))(?P<sep>\s*)(?P<title>.*)$", re.S)
_ARTICLE_RE = re.compile(rf"^第\s*{_NUM}\s*条(?:之[{_CN_DIGITS}]+)?")
_ARTICLE_NOT_FOLLOWED = frozenset("规的第、，,和至及或与所中款项以。；")
_APPENDIX_RE = re.compile(
    r"^(?P<word>附\s*[录件])\s*(?P<id>[A-Z]|\d{1,2}|[一二三四五六七八九十]{1,3})?\s*[.．、]?\s*(?P<rest>.*)$", re.S
)
_LETTER_DECIMAL_RE = re.compile(
    r"^(?P<num>[A-Z][.．]\d{1,2}(?:[.．]\d{1,2}){0,2})(?![.．]?\d)(?P<sep>\s*)(?P<rest>.*)$", re.S
)
_DECIMAL_RE = re.compile(r"^(?P<num>\d{1,2}(?:[.．]\d{1,2}){1,3})(?![.．]?\d)(?P<sep>\s*)(?P<rest>.*)$", re.S)
_BARE_NUMBER_RE = re.compile(r"^(?P<num>\d{1,2})(?![\d.．、）)])(?P<sep>\s*)(?P<rest>.*)$", re.S)
_CN1_RE = re.compile(rf"^(?P<num>{_CN_SMALL})、\s*(?P<rest>.*)$", re.S)
_CN2_RE = re.compile(rf"^[（(]\s*(?P<num>{_CN_SMALL})\s*[）)]\s*(?P<rest>.*)$", re.S)
_AR2_RE = re.compile(r"^[（(]\s*(?P<num>\d{1,3})\s*[）)]\s*(?P<rest>.*)$", re.S)
_AR3_RE = re.compile(r"^(?P<num>\d{1,3})[）)]\s*(?P<rest>.*)$", re.S)
_AR1_RE = re.compile(r"^(?P<num>\d{1,3})(?:、|[.．](?!\d))\s*(?P<rest>.*)$", re.S)
_ALPHA_RE = re.compile(r"^(?P<num>[a-z])[）)]\s*(?P<rest>.*)$", re.S)

_CAPTION_RE = re.compile(
    rf"^(?P<word>附\s*表|表)\s*(?P<id>[A-Z]?\s*[.．]?\s*\d{{1,3}}(?:\s*[.．\-－—]\s*\d{{1,3}})*|[一二三四五六七八九十]{{1,3}})"
    rf"(?=$|\s|[{_CJK}“《（(])"
)
_CAPTION_MAX = 60
_UNIT_LINE_RE = re.compile(r"^[（(]?\s*单位\s*[:：]")
_FIGURE_RE = re.compile(r"^图\s*[A-Z]?[.．]?\d")
_BULLET_RE = re.compile(r"^(?:[-－•·●○■□◆◇▪►√✓※]|—{1,2}|[①-⑳])")
_DATE_START_RE = re.compile(r"^[（(]?\d{4}\s*年\s*\d{1,2}\s*月")
_DATE_ONLY_RE = re.compile(r"^\d{4}\s*年(?:\s*\d{1,2}\s*月)?(?:\s*\d{1,2}\s*日)?$")
_DATE_ANYWHERE_RE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月")
_PROMULGATION_END_RE = re.compile(r"(?:通过|修正|修订|公布|施行|发布|批准|印发)$")
_DOC_NUMBER_RE = re.compile(r"^\S{1,12}[〔\[［(（]\d{4}[〕\]］)）]\s*\d{1,4}\s*号$")
_ADDRESSEE_RE = re.compile(r"^各[^。；]{2,120}[：:]$")
_STANDALONE_TITLE_RE = re.compile(r"^(?:前\s*言|引\s*言|序\s*言|说\s*明|附\s*[件录则]|总\s*则|备\s*注[:：]?)$")
_ATTACHMENT_LIST_RE = re.compile(r"^附\s*件\s*[:：]\s*\d")
_CITED_NAME_RE = re.compile(r"《[^《》]{1,80}》")
_INLINE_ITEM_RE = re.compile(rf"：(?=[（(](?:{_CN_SMALL}|\d{{1,3}})[）)])")
_HAS_LETTER_RE = re.compile(rf"[{_CJK}A-Za-z]")
_TITLE_START_RE = re.compile(rf"[{_CJK}“《（「]")
_SPACE_RUN_RE = re.compile(r"\s+")
_CJK_GAP_RE = re.compile(rf"(?<=[{_CJK_OR_PUNCT}])\s+(?=[{_CJK_OR_PUNCT}])")
_LEADING_HASHES_RE = re.compile(r"^#{1,6}\s*")


# --------------------------------------------------------------------------
# Small records
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Marker:
    """A structural marker found at the start of a paragraph or heading."""

    kind: str  # part|chapter|section|article|appendix|decimal|cn1|cn2|ar1|ar2|ar3|alpha
    rank: int
    locator: str
    title_like: bool  # only a title: a heading candidate (commas allowed)
    plain_title: bool  # a title without any clause punctuation: never a broken line


@dataclass
class _Open:
    """An open heading on the structure stack."""

    title: str
    locator: str
    rank: int | None
    level: int | None  # Markdown level for explicit headings, None for inferred ones
    has_content: bool = False


@dataclass
class _Unit:
    """The chunk being filled: a locator, its heading path and paragraphs."""

    locator: str
    path: tuple[str, ...]
    scope: int | None  # rank of the marker owning the unit; deeper markers are content
    paragraphs: list[str] = field(default_factory=list)
    list_rank: int | None = None  # rank of an enumeration introduced by ``…：``
    front_matter: bool = False


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def chunk_blocks(blocks: list[Block], doc_type: DocType, *, max_chars: int = 600) -> list[ChunkDraft]:
    """Split a document's blocks into structure-aware chunks.

    Parameters
    ----------
    blocks
        Reader output in document order: ``heading`` (Markdown-style, with
        ``level``), ``paragraph`` (one paragraph, possibly broken by PDF
        extraction) and ``table`` (a whole Markdown pipe table).
    doc_type
        Kind of document.  Structure is detected from content for every type;
        for laws and regulations a bare leading number (``1 总则``) is never
        read as a section heading.
    max_chars
        Upper bound on a text chunk's length in characters (at least 20).
        Tables are never split and may be longer.

    Returns
    -------
    list[ChunkDraft]
        Chunks in document order; each carries the most specific locator
        (``第四十四条``, ``（四）``, ``3.2.1``, ``表3``, ``前言``, ``第N段``) and the
        enclosing heading titles.

    Examples
    --------
    >>> from ingest.models import Block, DocType
    >>> blocks = [Block("heading", "第一章  总 则", level=2),
    ...           Block("paragraph", "第一条 为了加强土地管理，制定本法。"),
    ...           Block("paragraph", "第二条 依照本法第一条的规定实行。")]
    >>> [(c.locator, c.heading_path) for c in chunk_blocks(blocks, DocType.LAW)]
    [('第一条', ('第一章 总则',)), ('第二条', ('第一章 总则',))]
    """
    if max_chars < 20:
        raise ValueError("max_chars must be at least 20")
    items = _clean_blocks(blocks)
    starts_with_paragraph = bool(items) and items[0].kind == "paragraph"
    items = _drop_title_heading(items)
    items = _drop_table_of_contents(items)
    allow_bare = _allows_bare_numbers(items, doc_type)
    items = _join_broken_paragraphs(items, allow_bare, keep_first=starts_with_paragraph)
    markers = [_paragraph_marker(b.text, allow_bare) if b.kind == "paragraph" else None for b in items]
    if not any(b.kind == "heading" for b in items) and not any(markers):
        return _chunk_plain(items, max_chars)
    return _chunk_structured(items, markers, max_chars)


def split_sentences(text: str) -> list[str]:
    """Split Chinese text after ``。！？；`` (and before inline ``：（一）`` items).

    Terminators inside quotes or brackets (``“…。”``, ``（…；…）``) do not
    split; closing quotes after a terminator stay with their sentence.  The
    pieces concatenate back to ``text`` exactly.

    >>> split_sentences("他说：“要保护耕地。”然后离开。好！")
    ['他说：“要保护耕地。”然后离开。', '好！']
    """
    return _split_at_sentence_ends(text, respect_quotes=True)


# --------------------------------------------------------------------------
# Step 1: clean-up
# --------------------------------------------------------------------------


def _clean_blocks(blocks: Iterable[Block]) -> list[Block]:
    """Strip text, drop empty paragraphs, HTML comments and page numbers."""
    out: list[Block] = []
    for block in blocks:
        if block.kind == "table":
            text = block.text.strip("\n")
            if text.strip(_INVISIBLE + " \n\t"):
                out.append(Block("table", text, page=block.page))
            continue
        text = block.text.strip().strip(_INVISIBLE).strip()
        if block.kind == "heading":
            text = _LEADING_HASHES_RE.sub("", text).strip()
        if not text or _HTML_COMMENT_RE.match(text):
            continue
        if block.kind == "paragraph" and _PAGE_NUMBER_RE.match(text):
            continue
        out.append(Block(block.kind, text, level=block.level or (1 if block.kind == "heading" else 0), page=block.page))
    return out


def _drop_title_heading(items: list[Block]) -> list[Block]:
    """Drop the first level-1 Markdown heading without a marker: the document title."""
    for i, block in enumerate(items):
        if block.kind != "heading":
            continue
        if block.level == 1 and _heading_marker(block.text) is None and not _TOC_TITLE_RE.match(block.text):
            return items[:i] + items[i + 1 :]
        return items
    return items


def _drop_table_of_contents(items: list[Block]) -> list[Block]:
    """Remove a 目录 section and stray dot-leader TOC lines."""
    out: list[Block] = []
    in_toc = False
    for i, block in enumerate(items):
        if block.kind != "table" and _TOC_TITLE_RE.match(block.text):
            in_toc = True
            continue
        if in_toc:
            if block.kind == "paragraph" and (_is_toc_entry(block.text) or _is_toc_fragment(items, i)):
                continue
            in_toc = False
        if block.kind == "paragraph" and _is_leadered_toc_line(block.text):
            continue
        out.append(block)
    return out


def _is_toc_entry(text: str) -> bool:
    """``1.1 适用范围.9`` / ``3开展……建设15``: a short line ending in a page number."""
    if len(text) > _TOC_ENTRY_MAX:
        return False
    match = _TOC_ENTRY_RE.match(text)
    if match is None:
        return False
    body = match.group("body")
    return not (_TITLE_FORBIDDEN & set(body)) and bool(_HAS_LETTER_RE.search(body))


def _is_toc_fragment(items: list[Block], i: int) -> bool:
    """A wrapped TOC entry: a short line whose continuation carries the page number."""
    text = items[i].text
    if len(text) > _TOC_ENTRY_MAX or _TITLE_FORBIDDEN & set(text) or i + 1 >= len(items):
        return False
    nxt = items[i + 1]
    return nxt.kind == "paragraph" and _is_toc_entry(nxt.text) and not _TOC_LIKE_START_RE.match(nxt.text)


def _is_leadered_toc_line(text: str) -> bool:
    """A numbered line with dot leaders and a page number, outside a 目录 section."""
    return (
        len(text) <= _TOC_ENTRY_MAX
        and _TOC_LIKE_START_RE.match(text) is not None
        and _LEADER_PAGE_RE.search(text) is not None
        and not (_TITLE_FORBIDDEN & set(text))
    )


# --------------------------------------------------------------------------
# Step 2: re-join paragraphs broken by PDF extraction
# --------------------------------------------------------------------------


def _allows_bare_numbers(items: list[Block], doc_type: DocType) -> bool:
    """Bare ``1 总体要求`` headings only in non-law documents that also use ``1.1``."""
    if doc_type in (DocType.LAW, DocType.REGULATION):
        return False
    return any(
        b.kind == "paragraph" and (m := _paragraph_marker(b.text, False)) is not None and m.kind == "decimal"
        for b in items
    )


def _join_broken_paragraphs(items: list[Block], allow_bare: bool, *, keep_first: bool) -> list[Block]:
    """Join a paragraph to the next when a PDF line/page break cut a sentence.

    With ``keep_first`` the document's first paragraph (its title, in plain
    text files) never takes a continuation.
    """
    out: list[Block] = []
    for block in items:
        prev = out[-1] if out else None
        if (
            block.kind == "paragraph"
            and prev is not None
            and prev.kind == "paragraph"
            and not (keep_first and len(out) == 1)
            and _continues(prev.text, block.text, allow_bare)
        ):
            out[-1] = Block("paragraph", _glue(prev.text, block.text), page=prev.page)
            continue
        if block.kind == "paragraph" and prev is not None and _continues_heading(prev, block.text, allow_bare):
            out[-1] = Block("heading", _glue(prev.text, block.text), level=prev.level, page=prev.page)
            continue
        out.append(block)
    return out


def _continues_heading(prev: Block, nxt: str, allow_bare: bool) -> bool:
    """A Markdown heading cut after ``、``/``，`` continues in the next short line."""
    return (
        prev.kind == "heading"
        and prev.text[-1] in _HEADING_OPEN_END
        and _is_short_title(nxt, _CHAPTER_TITLE_MAX)
        and not _starts_structure(nxt, allow_bare)
    )


def _continues(prev: str, nxt: str, allow_bare: bool) -> bool:
    """True when ``nxt`` is the rest of the sentence ``prev`` leaves open."""
    if prev[-1] in _TERMINAL_END or _is_title_line(prev, allow_bare) or _is_complete_line(prev):
        return False
    return not _starts_structure(nxt, allow_bare)


def _is_complete_line(text: str) -> bool:
    """Lines complete without punctuation: dates, promulgation records, document numbers."""
    return bool(
        _DATE_ONLY_RE.match(text)
        or _DOC_NUMBER_RE.match(text)
        or (_PROMULGATION_END_RE.search(text) and _DATE_ANYWHERE_RE.search(text))
    )


def _is_title_line(text: str, allow_bare: bool) -> bool:
    """Short lines that stand alone: marker titles, captions, 前言/附件 lines."""
    marker = _paragraph_marker(text, allow_bare)
    if marker is not None and marker.plain_title:
        return True
    return _caption_locator(text) is not None or bool(_FIGURE_RE.match(text)) or bool(_STANDALONE_TITLE_RE.match(text))


def _starts_structure(text: str, allow_bare: bool) -> bool:
    """True when ``text`` begins with a marker, bullet, caption or date."""
    return (
        _paragraph_marker(text, allow_bare) is not None
        or bool(_BULLET_RE.match(text))
        or bool(_FIGURE_RE.match(text))
        or bool(_DATE_START_RE.match(text))
        or bool(_UNIT_LINE_RE.match(text))
        or bool(_STANDALONE_TITLE_RE.match(text))
        or bool(_TOC_TITLE_RE.match(text))
        or bool(_ADDRESSEE_RE.match(text))
        or bool(_DOC_NUMBER_RE.match(text))
        or _caption_locator(text) is not None
    )


def _glue(left: str, right: str) -> str:
    """Concatenate two halves of a sentence; a space only between Latin words."""
    if left[-1].isascii() and left[-1].isalpha() and right[0].isascii() and right[0].isalpha():
        return f"{left} {right}"
    return left + right


# --------------------------------------------------------------------------
# Step 3: markers
# --------------------------------------------------------------------------


def _is_short_title(title: str, limit: int) -> bool:
    """Strict: short and without any clause or sentence punctuation."""
    return len(title) <= limit and not (_TITLE_FORBIDDEN & set(title))


def _is_loose_title(title: str, limit: int) -> bool:
    """Relaxed: commas allowed inside, no sentence punctuation, not ending in a comma.

    Cited names (``《…》``) count as two characters, so ``三、修改《……规定》`` is a title.
    """
    if not title:
        return True
    if _SENTENCE_FORBIDDEN & set(title) or title[-1] in _HEADING_OPEN_END:
        return False
    return len(_CITED_NAME_RE.sub("《》", title)) <= limit


def _marker(kind: str, rank: int, locator: str, rest: str) -> _Marker:
    return _Marker(
        kind, rank, locator, _is_loose_title(rest, _MARKER_TITLE_MAX), _is_short_title(rest, _MARKER_TITLE_MAX)
    )


def _number_rest_ok(sep: str, rest: str) -> bool:
    """After a section number: a title, not a quantity like ``1.5亿`` or ``3年``."""
    if not rest or rest[0] in _UNIT_CHARS:
        return False
    return bool(sep) or bool(_TITLE_START_RE.match(rest))


def _paragraph_marker(text: str, allow_bare: bool) -> _Marker | None:
    """Recognise the structural marker a paragraph starts with, if any."""
    match = _CHAPTER_RE.match(text)
    if match:
        title = match.group("title")
        if (match.group("sep") or not title) and _is_short_title(title, _CHAPTER_TITLE_MAX):
            return _chapter_marker(match.group(1))
        return None
    article = _article_marker(text)
    if article is not None:
        return article
    match = _APPENDIX_RE.match(text)
    if match:
        rest = match.group("rest")
        if (match.group("id") or not rest) and _is_short_title(rest, _MARKER_TITLE_MAX):
            return _Marker(
                "appendix", _RANK_APPENDIX, _compact(match.group("word")) + (match.group("id") or ""), True, True
            )
        return None
    for regex in (_LETTER_DECIMAL_RE, _DECIMAL_RE):
        match = regex.match(text)
        if match and _number_rest_ok(match.group("sep"), match.group("rest")):
            locator = match.group("num").replace("．", ".")
            depth = locator.count(".") + 1
            return _marker("decimal", _RANK_DECIMAL + depth, locator, match.group("rest"))
    if allow_bare:
        match = _BARE_NUMBER_RE.match(text)
        if (
            match
            and _number_rest_ok(match.group("sep"), match.group("rest"))
            and _is_loose_title(match.group("rest"), _MARKER_TITLE_MAX)
        ):
            return _marker("decimal", _RANK_DECIMAL + 1, match.group("num"), match.group("rest"))
    return _list_marker(text)


def _chapter_marker(number: str) -> _Marker:
    """``第五章`` / ``第一节`` / ``第二编`` / ``第一部分``."""
    kind, rank = _CHAPTER_LEVELS["部分" if number.endswith("部分") else number[-1]]
    return _Marker(kind, rank, _compact(number), True, True)


def _article_marker(text: str) -> _Marker | None:
    """``第X条`` + separator/text starts an article; ``第X条规定…`` does not."""
    match = _ARTICLE_RE.match(text)
    if match is None:
        return None
    following = text[match.end() : match.end() + 1]
    if following and following in _ARTICLE_NOT_FOLLOWED:
        return None
    return _Marker("article", _RANK_ARTICLE, _compact(match.group(0)), False, False)


_LIST_PATTERNS: tuple[tuple[re.Pattern[str], str, int], ...] = (
    (_CN1_RE, "cn1", _RANK_CN1),
    (_CN2_RE, "cn2", _RANK_CN2),
    (_AR2_RE, "ar2", _RANK_AR2),
    (_AR3_RE, "ar3", _RANK_AR3),
    (_AR1_RE, "ar1", _RANK_AR1),
    (_ALPHA_RE, "alpha", _RANK_ALPHA),
)


def _list_marker(text: str) -> _Marker | None:
    """``一、`` ``（一）`` ``（1）`` ``1）`` ``1.`` ``a）`` numbering."""
    for regex, kind, rank in _LIST_PATTERNS:
        match = regex.match(text)
        if match is None:
            continue
        num = match.group("num")
        if kind == "ar1" and match.group("rest")[:1] in _UNIT_CHARS:
            return None
        locator = {"cn2": f"（{num}）", "ar2": f"（{num}）", "ar3": f"{num}）", "alpha": f"{num}）"}.get(kind, num)
        return _marker(kind, rank, locator, match.group("rest"))
    return None


def _heading_marker(text: str) -> _Marker | None:
    """Marker of an explicit (Markdown) heading; chapters need no space here."""
    match = _CHAPTER_RE.match(text)
    if match:
        return _chapter_marker(match.group(1))
    marker = _paragraph_marker(text, allow_bare=True)
    if marker is not None:
        return marker
    match = _ARTICLE_RE.match(text)
    return _Marker("article", _RANK_ARTICLE, _compact(match.group(0)), True, True) if match else None


def _compact(text: str) -> str:
    return _SPACE_RUN_RE.sub("", text)


def _normalise_title(text: str) -> str:
    """Collapse whitespace; no spaces between CJK; ``第一章 总则`` keeps one space."""
    text = _CJK_GAP_RE.sub("", _SPACE_RUN_RE.sub(" ", text.strip()))
    match = _CHAPTER_RE.match(text)
    if match and match.group("title"):
        return f"{_compact(match.group(1))} {match.group('title').strip()}"
    return text


# --------------------------------------------------------------------------
# Step 4: assembly
# --------------------------------------------------------------------------


def _chunk_plain(items: list[Block], max_chars: int) -> list[ChunkDraft]:
    """No structure at all: pack paragraphs, locator ``第N段`` (N counts tables too)."""
    chunks: list[ChunkDraft] = []
    pending: list[str] = []
    first_number = 1
    for number, block in enumerate(items, start=1):
        if block.kind == "table":
            caption = _take_caption(pending)
            chunks.extend(_pack_numbered(pending, first_number, max_chars))
            chunks.append(_table_chunk(block.text, caption, f"第{number}段", ()))
            pending, first_number = [], number + 1
            continue
        pending.append(block.text)
    chunks.extend(_pack_numbered(pending, first_number, max_chars))
    return _drop_blank(chunks)


def _pack_numbered(paragraphs: list[str], first_number: int, max_chars: int) -> list[ChunkDraft]:
    """Pack consecutive paragraphs numbered from ``first_number``."""
    return _pack_paragraphs(paragraphs, max_chars, (), lambda i: f"第{first_number + i}段")


@dataclass
class _Walk:
    """Mutable state of one pass over a structured document."""

    max_chars: int
    chunks: list[ChunkDraft] = field(default_factory=list)
    stack: list[_Open] = field(default_factory=list)
    unit: _Unit = field(default_factory=lambda: _Unit("前言", (), None, front_matter=True))


def _chunk_structured(items: list[Block], markers: list[_Marker | None], max_chars: int) -> list[ChunkDraft]:
    """Walk the blocks keeping a heading stack and the unit being filled."""
    walk = _Walk(max_chars)
    for i, block in enumerate(items):
        if block.kind == "table":
            _add_table(walk, block.text)
        elif block.kind == "heading":
            _open_markdown_heading(walk, block)
        else:
            _add_paragraph(walk, block.text, markers[i], _opens_heading(markers[i], items, markers, i))
    _flush(walk)
    _pop_while(walk, lambda _o: True)
    return _drop_blank(walk.chunks)


def _flush(walk: _Walk) -> None:
    """Emit the unit's paragraphs as chunks; the unit stays open for more."""
    unit = walk.unit
    if unit.paragraphs:
        walk.chunks.extend(_pack_paragraphs(unit.paragraphs, walk.max_chars, unit.path, lambda _i: unit.locator))
        unit.paragraphs = []


def _pop_while(walk: _Walk, keep_popping: Callable[[_Open], bool]) -> None:
    """Close headings from the top of the stack; an empty heading becomes a chunk itself."""
    while walk.stack and keep_popping(walk.stack[-1]):
        closed = walk.stack.pop()
        if not closed.has_content:
            walk.chunks.append(ChunkDraft(closed.title, closed.locator, _titles(walk.stack)))
            _mark_content(walk.stack)


def _add_table(walk: _Walk, table: str) -> None:
    """A table is its own chunk; a caption ending the unit moves into it."""
    caption = _take_caption(walk.unit.paragraphs)
    _flush(walk)
    walk.chunks.append(_table_chunk(table, caption, walk.unit.locator, walk.unit.path))
    _mark_content(walk.stack)


def _open_markdown_heading(walk: _Walk, block: Block) -> None:
    """Explicit headings nest by Markdown level; 附录/附件 closes everything."""
    _flush(walk)
    marker = _heading_marker(block.text)
    if marker is not None and marker.kind == "appendix":
        _pop_while(walk, lambda _o: True)
    else:
        _pop_while(walk, lambda o: o.level is None or o.level >= block.level)
    _mark_content(walk.stack)
    title = _normalise_title(block.text)
    locator = marker.locator if marker else title
    walk.stack.append(_Open(title, locator, marker.rank if marker else None, block.level))
    walk.unit = _Unit(locator, _titles(walk.stack), None)


def _add_paragraph(walk: _Walk, text: str, marker: _Marker | None, opens_heading: bool) -> None:
    """Content joins the current unit; a structural marker opens a heading or a new unit."""
    unit = walk.unit
    if marker is None or (unit.scope is not None and marker.rank > unit.scope) or _enumerates(unit, marker, text):
        if marker is not None and unit.list_rank is None and _introduces_list(unit):
            unit.list_rank = marker.rank
        unit.paragraphs.append(text)
        _mark_content(walk.stack)
        return
    _flush(walk)
    if marker.kind == "appendix":
        _pop_while(walk, lambda _o: True)
    elif marker.kind != "article":  # articles keep the headings above them
        rank = marker.rank
        _pop_while(walk, lambda o: o.rank is not None and o.rank >= rank)
    _mark_content(walk.stack)
    if opens_heading:
        walk.stack.append(_Open(_normalise_title(text), marker.locator, marker.rank, None))
        walk.unit = _Unit(marker.locator, _titles(walk.stack), None)
    else:
        walk.unit = _Unit(marker.locator, _titles(walk.stack), marker.rank, [text])


def _opens_heading(marker: _Marker | None, items: list[Block], markers: list[_Marker | None], i: int) -> bool:
    """A title-only marker is a heading when content (or a deeper marker) follows it."""
    if marker is None:
        return False
    if marker.kind in ("part", "chapter", "section", "appendix"):
        return True
    if not marker.title_like or marker.kind == "article":
        return False
    if i + 1 >= len(items):
        return False
    nxt = items[i + 1]
    if nxt.kind == "heading":
        return False
    nxt_marker = markers[i + 1]
    return nxt_marker is None or nxt_marker.rank > marker.rank


def _introduces_list(unit: _Unit) -> bool:
    """The unit's last paragraph announces an enumeration (``包括：`` / ``附件：1．…``)."""
    if unit.front_matter or not unit.paragraphs:
        return False
    last = unit.paragraphs[-1]
    return last[-1] in "：:" or bool(_ATTACHMENT_LIST_RE.match(last))


def _enumerates(unit: _Unit, marker: _Marker, text: str) -> bool:
    """Short ``a）`` / ``1.`` / ``（1）`` items listed after ``…：`` stay in that unit."""
    if marker.kind not in _LIST_KINDS or len(text) > _LIST_ITEM_MAX:
        return False
    if unit.list_rank is not None:
        return marker.rank >= unit.list_rank
    return _introduces_list(unit)


def _mark_content(stack: list[_Open]) -> None:
    if stack:
        stack[-1].has_content = True


def _titles(stack: list[_Open]) -> tuple[str, ...]:
    return tuple(o.title for o in stack)


def _drop_blank(chunks: list[ChunkDraft]) -> list[ChunkDraft]:
    return [c for c in chunks if c.text.strip()]


# --------------------------------------------------------------------------
# Tables and captions
# --------------------------------------------------------------------------


def _caption_locator(text: str) -> str | None:
    """``表3 各类用地`` -> ``表3``; ``表G．1 …`` -> ``表G.1``; ``附表1`` -> ``附表1``."""
    if len(text) > _CAPTION_MAX or "。" in text:
        return None
    match = _CAPTION_RE.match(text)
    if match is None:
        return None
    ident = _compact(match.group("id")).replace("．", ".").replace("－", "-").replace("—", "-")
    return _compact(match.group("word")) + ident


def _take_caption(paragraphs: list[str]) -> list[str]:
    """Remove and return a caption (plus an optional ``单位：`` line) ending ``paragraphs``."""
    if paragraphs and _caption_locator(paragraphs[-1]):
        return [paragraphs.pop()]
    if len(paragraphs) >= 2 and _UNIT_LINE_RE.match(paragraphs[-1]) and _caption_locator(paragraphs[-2]):
        unit_line = paragraphs.pop()
        return [paragraphs.pop(), unit_line]
    return []


def _table_chunk(table: str, caption: list[str], locator: str, path: tuple[str, ...]) -> ChunkDraft:
    if caption:
        return ChunkDraft("\n".join([*caption, table]), _caption_locator(caption[0]) or locator, path, "table")
    return ChunkDraft(table, locator, path, "table")


# --------------------------------------------------------------------------
# Step 5: sizes
# --------------------------------------------------------------------------


def _pack_paragraphs(
    paragraphs: list[str], max_chars: int, path: tuple[str, ...], locate: Callable[[int], str]
) -> list[ChunkDraft]:
    """Pack paragraphs into chunks <= ``max_chars``; ``locate(i)`` names a chunk starting at paragraph ``i``."""
    return [ChunkDraft(text, locate(first), path) for text, first in _pack(paragraphs, max_chars)]


def _pack(paragraphs: list[str], max_chars: int) -> list[tuple[str, int]]:
    """Greedy packing at paragraph boundaries; over-long paragraphs split by sentences.

    Returns ``(text, index of the first paragraph in it)`` pairs.
    """
    pieces: list[tuple[str, int]] = []
    current: list[str] = []
    current_len = 0
    first = 0
    for index, paragraph in enumerate(paragraphs):
        if len(paragraph) > max_chars:
            if current:
                pieces.append(("\n".join(current), first))
            parts = _split_long_paragraph(paragraph, max_chars)
            pieces.extend((part, index) for part in parts[:-1])
            current, current_len, first = [parts[-1]], len(parts[-1]), index
            continue
        extra = len(paragraph) + (1 if current else 0)
        if current and current_len + extra > max_chars:
            pieces.append(("\n".join(current), first))
            current, current_len, first = [paragraph], len(paragraph), index
        else:
            if not current:
                first = index
            current.append(paragraph)
            current_len += extra
    if current:
        pieces.append(("\n".join(current), first))
    return pieces


def _split_long_paragraph(text: str, max_chars: int) -> list[str]:
    """Split one paragraph into balanced pieces <= ``max_chars`` at the best boundaries."""
    atoms: list[str] = []
    for sentence in _split_at_sentence_ends(text, respect_quotes=True):
        if len(sentence) <= max_chars:
            atoms.append(sentence)
            continue
        for loose in _split_at_sentence_ends(sentence, respect_quotes=False):
            if len(loose) <= max_chars:
                atoms.append(loose)
                continue
            for clause in _split_after(loose, _CLAUSE_END):
                atoms.extend(_hard_cut(clause, max_chars) if len(clause) > max_chars else [clause])
    return _balanced_pack(atoms, max_chars)


def _split_at_sentence_ends(text: str, *, respect_quotes: bool) -> list[str]:
    """Cut after ``。！？；`` at bracket depth 0 (closers stay attached) and before ``：（一）``."""
    inline_items = {m.end() for m in _INLINE_ITEM_RE.finditer(text)}
    pieces: list[str] = []
    start = 0
    expected: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if respect_quotes and char in _OPENERS:
            expected.append(_OPENERS[char])
        elif respect_quotes and expected and char == expected[-1]:
            expected.pop()
        if char in _SENTENCE_END and not expected:
            end = i + 1
            while end < n and (text[end] in _SENTENCE_END or text[end] in _CLOSERS):
                end += 1
            pieces.append(text[start:end])
            start = i = end
            continue
        if i + 1 in inline_items and not expected and i + 1 < n:
            pieces.append(text[start : i + 1])
            start = i + 1
        i += 1
    if start < n:
        pieces.append(text[start:])
    return pieces


def _split_after(text: str, marks: frozenset[str]) -> list[str]:
    """Cut after each character in ``marks``."""
    pieces: list[str] = []
    start = 0
    for i, char in enumerate(text):
        if char in marks:
            pieces.append(text[start : i + 1])
            start = i + 1
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _hard_cut(text: str, max_chars: int) -> list[str]:
    """Last resort for a run without punctuation; never cuts inside digits/Latin words."""
    pieces: list[str] = []
    while len(text) > max_chars:
        cut = max_chars
        while cut > max_chars // 2 and _ATOM_CHARS.match(text[cut - 1]) and _ATOM_CHARS.match(text[cut]):
            cut -= 1
        if cut <= max_chars // 2:
            cut = max_chars
        pieces.append(text[:cut])
        text = text[cut:]
    if text:
        pieces.append(text)
    return pieces


def _balanced_pack(atoms: list[str], max_chars: int) -> list[str]:
    """Concatenate atoms into pieces of roughly equal size, each <= ``max_chars``."""
    total = sum(len(a) for a in atoms)
    target = total / max(1, -(-total // max_chars))
    pieces: list[str] = []
    current = ""
    for atom in atoms:
        if current and (len(current) + len(atom) > max_chars or len(current) >= target):
            pieces.append(current)
            current = ""
        current += atom
    if current:
        pieces.append(current)
    return pieces
