"""Review reports (审查意见书): drafted from the check engine's verdict, rendered as Markdown, DOCX and PDF.

- :mod:`.model`: the typed report; every number, status and citation is the engine's.
- :mod:`.draft`: :func:`build_report` (pure) and :class:`ReportService` (check, map, optional narrative).
- :mod:`.figure`: the map of the project over the control lines and parcels (matplotlib, Chinese legend).
- :mod:`.render_md`, :mod:`.render_docx`, :mod:`.render_pdf`: the three formats.
- :mod:`.fonts`: the CJK font from PyPI, embedded in the PDF and DOCX and used by the figure.
"""

from __future__ import annotations

from assistant.reports.model import Report

FORMATS = ("md", "docx", "pdf")


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


__all__ = ["FORMATS", "Report", "render"]
