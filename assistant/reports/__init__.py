"""Review reports (审查意见书): drafted from the check engine's verdict, rendered as Markdown, DOCX and PDF.

- :mod:`.model`: the typed report; every number, status and citation is the engine's.
- :mod:`.draft`: :func:`build_report` (pure) and :class:`ReportService` (check, map, optional narrative).
- :mod:`.figure`: the map of the project over the control lines and parcels (matplotlib, Chinese legend).
- :mod:`.render_md`, :mod:`.render_docx`, :mod:`.render_pdf`: the three formats.
- :mod:`.fonts`: the CJK font from PyPI, embedded in the PDF and DOCX and used by the figure.
- :mod:`.docx_common`, :mod:`.pdf_common`: page, fonts, styles and tables every DOCX and PDF shares.
- :mod:`.document_docx`, :mod:`.document_pdf` (with :mod:`.table_layout`): any format-independent
  :class:`~spatial.compare.report.ReportDocument` (the plan comparison report) as DOCX and PDF;
  :func:`render_document` picks the format.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.reports.model import Report

if TYPE_CHECKING:
    from spatial.compare.report import ReportDocument

FORMATS = ("md", "docx", "pdf")
SUFFIXES = {".md": "md", ".markdown": "md", ".docx": "docx", ".pdf": "pdf"}  # an --out file's suffix → format
AUTHOR = "OneMap Copilot 一张图智审助手"  # the author in every DOCX and PDF


def render(report: Report, fmt: str, *, figure_path: str | None = None) -> bytes:
    """The report as ``fmt`` (md, docx or pdf), as bytes (Markdown in UTF-8)."""
    match fmt:
        case "md":
            from assistant.reports.render_md import render_markdown

            return render_markdown(report, figure_path=figure_path).encode("utf-8")
        case "docx":
            from assistant.reports.render_docx import render_docx

            return render_docx(report)
        case "pdf":
            from assistant.reports.render_pdf import render_pdf

            return render_pdf(report)
    raise ValueError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")


def render_document(doc: ReportDocument, fmt: str) -> bytes:
    """A format-independent document as ``fmt`` (md, docx or pdf), as bytes (Markdown in UTF-8)."""
    match fmt:
        case "md":
            from spatial.compare.report import render_markdown

            return render_markdown(doc).encode("utf-8")
        case "docx":
            from assistant.reports.document_docx import render_document_docx

            return render_document_docx(doc)
        case "pdf":
            from assistant.reports.document_pdf import render_document_pdf

            return render_document_pdf(doc)
    raise ValueError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")


__all__ = ["AUTHOR", "FORMATS", "SUFFIXES", "Report", "render", "render_document"]
