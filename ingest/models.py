"""Typed records passed between readers, the chunker and the index."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal


class Access(StrEnum):
    """Access level of a document; ordered from least to most restricted."""

    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"

    @property
    def rank(self) -> int:
        return _ACCESS_ORDER.index(self)

    @classmethod
    def strictest(cls, *levels: Access | None) -> Access:
        present = [lv for lv in levels if lv is not None]
        return max(present, key=lambda lv: lv.rank) if present else cls.PUBLIC


_ACCESS_ORDER = [Access.PUBLIC, Access.INTERNAL, Access.CONFIDENTIAL]


class DocType(StrEnum):
    LAW = "law"
    REGULATION = "regulation"
    POLICY = "policy"
    STANDARD = "standard"
    PLAN = "plan"
    NOTICE = "notice"


BlockKind = Literal["heading", "paragraph", "table"]


@dataclass(frozen=True)
class Block:
    """One unit of a document as a reader sees it.

    ``heading`` blocks come from explicit markup (Markdown ``#``, DOCX heading
    styles, HTML ``<h1>``..``<h6>``) and carry ``level`` 1..6.  Readers never
    guess headings from text: recognising 第一章 / 第四十四条 / （一） inside
    paragraphs is the chunker's job.  ``table`` blocks hold a whole table as a
    Markdown pipe table and are never split.
    """

    kind: BlockKind
    text: str
    level: int = 0
    page: int | None = None


@dataclass
class ParsedDocument:
    """What a reader returns for one file."""

    blocks: list[Block]
    # explicit front matter (title, version, access, doc_type) decides identity; titles embedded in
    # PDF/DOCX/HTML files ("Microsoft Word - 文档1.doc") are kept as ``embedded_title`` only
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChunkDraft:
    """A retrievable piece of a document, before it gets ids and metadata.

    ``locator`` is the most specific structural address of the piece
    (``第四十四条``, ``（四）``, ``3.2.1``, ``表3``); every piece of a long
    article keeps the article's locator.  ``heading_path`` lists the enclosing
    headings from the outermost down (``("第五章 建设用地", "第一节 一般规定")``).
    """

    text: str
    locator: str
    heading_path: tuple[str, ...] = ()
    kind: Literal["text", "table"] = "text"
