"""The typed report (审查意见书): every number, status and citation is copied from the engine's verdict.

Only :attr:`Report.narrative` is written by a model, and it is guarded
(:mod:`assistant.reports.draft`): a sentence stating a number or a verdict the
engine did not give is dropped before it reaches this model.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from spatial.verdict import Status, Verdict


class SummaryItem(BaseModel):
    """One line of the project summary (项目概况)."""

    label: str
    value: str


class BasisDocument(BaseModel):
    """A document the checks rest on, with the clauses cited and its version in the knowledge base."""

    doc_title: str
    doc_number: str = ""
    version: str = ""  # "" when the document is not in the knowledge base (an open question)
    locators: list[str] = Field(default_factory=list)
    rule_ids: list[str] = Field(default_factory=list)

    def cite(self) -> str:
        return f"《{self.doc_title}》" + (f"（{self.doc_number}）" if self.doc_number else "")


class DataLayer(BaseModel):
    """A layer the checks were run on (数据依据): what file, when imported, at which access level."""

    kind: str
    label: str
    source: str
    imported_at: str
    features: int
    sha256: str
    access: str


class CheckRow(BaseModel):
    """One row of the check table, copied from a :class:`spatial.verdict.CheckResult`."""

    check: str
    name: str  # Chinese name of the check (容积率)
    status: Status
    label: str  # 符合 / 不符合 / 有条件 / 无法判定
    value: str  # the declared value or the overlap, formatted
    limit: str  # the control value, formatted
    rule_id: str
    rule_text: str
    citation: str  # 《中华人民共和国城乡规划法》第四十三条
    see_also: list[str] = Field(default_factory=list)
    confidence: str
    features: list[str] = Field(default_factory=list)
    message: str


class Finding(BaseModel):
    """A check that did not pass, in the engine's words, with its clause."""

    check: str
    status: Status
    text: str
    citation: str


class Conclusion(BaseModel):
    """The conclusion: always the engine's overall verdict."""

    status: Status
    label: str
    text: str


class Narrative(BaseModel):
    """Explanatory paragraphs written by the model, after the guard; empty without a model."""

    paragraphs: list[str] = Field(default_factory=list)
    model: str = ""
    dropped: list[str] = Field(default_factory=list)  # sentences the guard removed
    note: str = ""  # why there is no narrative (no model, model unreachable)


class Report(BaseModel):
    title: str
    project_id: str
    project_name: str
    generated_at: str
    role: str
    summary: list[SummaryItem]
    basis: list[BasisDocument]
    layers: list[DataLayer]
    checks: list[CheckRow]
    findings: list[Finding]
    conclusion: Conclusion
    open_questions: list[str]
    warnings: list[str] = Field(default_factory=list)
    narrative: Narrative = Field(default_factory=Narrative)
    figure_png: bytes | None = Field(default=None, exclude=True)
    figure_caption: str = ""
    verdict: Verdict  # the engine's output, kept whole for traceability

    def text(self) -> str:
        """Every string the renderers print (for font coverage checks)."""
        from assistant.reports.render_md import render_markdown

        return render_markdown(self, figure_path=None)
