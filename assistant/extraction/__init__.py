"""规划条件提取: planning conditions per parcel from a detailed plan or a planning-conditions document.

``extract(path, chat=None)`` reads a PDF, DOCX, Markdown or text file with the ingest readers and
returns an :class:`~assistant.extraction.models.ExtractionResult`: per parcel, each field with its
normalised value, unit, locator and the exact source span; conflicting values are reported.
Tables first, then text patterns; an optional model fills only fields the patterns could not read,
and its values are kept only when found in the source text (see :mod:`.model_fill`).
"""

from assistant.extraction.models import ExtractionError, ExtractionResult, FieldValue, ParcelConditions
from assistant.extraction.service import ExtractionService, extract, service_for

__all__ = ["ExtractionError", "ExtractionResult", "ExtractionService", "FieldValue", "ParcelConditions", "extract",
           "service_for"]
