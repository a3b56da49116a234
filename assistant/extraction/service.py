"""``extract(path, chat=None)``: read a document, find each parcel's planning conditions, report conflicts.

Order of sources: tables (wide, then key–value), then text patterns, then (only when ``chat`` is given)
the model for fields the patterns could not read. For a scalar field the first value found is kept in
``fields`` and any different value found elsewhere is reported in ``conflicts``, never silently dropped.

Examples
--------
>>> r = extract(Path("bench/data/extraction/docs/d02_conditions_notice_prose.md"))
>>> p = r.parcels[0]
>>> p.parcel_id, p.fields["far_min"].value, p.fields["far_max"].value, p.fields["area_m2"].value
('SF-04-03', 1.5, 2.8, 36000.0)
>>> p.fields["green_min"].span
'绿地率不小于35%'
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.extraction import model_fill
from assistant.extraction.document import layout
from assistant.extraction.models import (
    FIELD_ORDER,
    LIST_FIELDS,
    Conflict,
    ExtractionError,
    ExtractionResult,
    FieldValue,
    Found,
    ParcelConditions,
)
from assistant.extraction.prose import parcel_ids, prose
from assistant.extraction.tables import key_value_table, wide_table
from ingest.errors import IngestError
from ingest.readers import read_document


class ExtractionService:
    """Planning-condition extraction; ``chat`` is an optional model call ``chat(messages, *, max_tokens) -> ChatResult``."""

    def __init__(self, chat: Callable[..., Any] | None = None, *, model_name: str | None = None) -> None:
        self.chat = chat
        self.model_name = model_name

    def extract(self, path: Path) -> ExtractionResult:
        path = Path(path)
        try:
            doc = read_document(path)
        except IngestError as exc:
            raise ExtractionError(f"{path.name}: {exc}") from exc
        lay = layout(doc, is_pdf=path.suffix.lower() == ".pdf")
        text_found, contexts = prose(lay.paragraphs)
        found: list[Found] = []
        warnings: list[str] = []
        for table in lay.tables:
            rows = wide_table(table)
            if not rows:
                context = contexts[table.position - 1] if 0 < table.position <= len(contexts) else None
                rows = key_value_table(table, context)
            found += rows
        found += text_found
        parcels = _merge(found, warnings)
        if self.chat is not None and parcels:
            warnings += self._fill(parcels, lay.paragraphs)
        parcels = [p for p in parcels if p.fields]
        if not parcels:
            raise ExtractionError(f"{path.name}: no parcels with planning conditions found (no parcel ids such as "
                                  "XC-01-02 with 容积率/用地性质/用地面积 …)")
        return ExtractionResult(document=path.name, parcels=parcels, warnings=warnings,
                                model=self.model_name if self.chat is not None else None)

    def _fill(self, parcels: list[ParcelConditions], paragraphs) -> list[str]:
        warnings: list[str] = []
        for parcel in parcels:
            context, locator = _parcel_text(parcel.parcel_id, paragraphs)
            if not context:
                continue
            missing = [f for f, words in model_fill.ASKABLE.items()
                       if f not in parcel.fields and any(w in context for w in words)]
            if not missing:
                continue
            try:
                kept, notes = model_fill.fill(parcel.parcel_id, missing, context, self.chat, locator)  # type: ignore[arg-type]
            except Exception as exc:  # the model is optional: its failure leaves the pattern results
                warnings.append(f"模型补充未完成（{type(exc).__name__}: {exc}），仅保留规则提取结果")
                return warnings
            parcel.fields.update(kept)
            warnings += notes
        return warnings


def extract(path: Path, chat: Callable[..., Any] | None = None) -> ExtractionResult:
    """Extract the planning conditions of every parcel in ``path`` (see :class:`ExtractionService`)."""
    return ExtractionService(chat).extract(path)


def service_for(llm: Any, use_model: bool = True) -> ExtractionService:
    """The service the CLI and the API use: ``llm``'s model fills gaps only when asked and answering now
    (:meth:`assistant.llm.component.LLMComponent.reachable_chat`); otherwise tables and patterns only."""
    chat = llm.reachable_chat() if use_model else None
    return ExtractionService(chat, model_name=llm.alias() if chat is not None else None)


def _parcel_text(pid: str, paragraphs) -> tuple[str, str]:
    """The paragraphs that speak of ``pid`` (from a paragraph naming it to the next naming another parcel)."""
    parts: list[str] = []
    locator = ""
    inside = False
    for para in paragraphs:
        ids = parcel_ids(para.text)
        if ids:
            inside = pid in ids
            if inside and not locator:
                locator = para.locator
        if inside:
            parts.append(para.text)
    return "\n".join(parts), locator


def _merge(found: list[Found], warnings: list[str]) -> list[ParcelConditions]:
    by_parcel: dict[str, dict[str, list[FieldValue]]] = {}
    for f in found:
        by_parcel.setdefault(f.parcel_id, {}).setdefault(f.field, []).append(f.value)
    parcels: list[ParcelConditions] = []
    for pid, fields in by_parcel.items():
        parcel = ParcelConditions(parcel_id=pid)
        for name in sorted(fields, key=lambda n: FIELD_ORDER.index(n) if n in FIELD_ORDER else 99):
            values = fields[name]
            if name in LIST_FIELDS:
                unique: dict[str, FieldValue] = {}
                for v in values:
                    unique.setdefault(v.key(), v)
                parcel.fields[name] = list(unique.values())
                continue
            parcel.fields[name] = values[0]
            distinct: dict[str, FieldValue] = {}
            for v in values:
                distinct.setdefault(v.key(), v)
            if len(distinct) > 1:
                parcel.conflicts.append(Conflict(field=name, values=list(distinct.values())))
                shown = "；".join(f"{v.span}（{v.locator}）" for v in distinct.values())
                warnings.append(f"{pid} {name} 存在冲突取值：{shown}")
        parcels.append(parcel)
    return parcels
