"""``onemap extract FILE [--json] [--no-model]``: planning conditions (规划条件) per parcel.

Imported by :mod:`assistant.cli` at its end, which registers the command on its app.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from assistant.cli import app, container, err, fail, out

_LABELS = {"land_use": "用地性质", "area_m2": "用地面积", "far_max": "容积率上限", "far_min": "容积率下限",
           "density_max": "建筑密度上限", "height_max": "建筑限高", "green_min": "绿地率下限", "parking": "停车位",
           "facilities": "配套设施", "setbacks": "建筑退让", "compatible_uses": "兼容用地"}


def _shown(name: str, fv) -> str:
    v = fv.value
    if name in ("land_use", "compatible_uses"):
        return f"{v['name']}（{v['code']}）"
    if name == "facilities":
        return v["name"] + (f"（建筑面积≥{v['gfa_m2']:g}m²）" if v.get("gfa_m2") else "")
    if name == "setbacks":
        return f"退{v.get('road') or ''}{v['boundary']}≥{v['distance_m']:g}m"
    unit = fv.unit or ""
    return f"{v:g}{unit}" if isinstance(v, float) else f"{v}{unit}"


@app.command()
def extract(
    file: Annotated[Path, typer.Argument(help="A detailed plan or planning-conditions document: PDF, DOCX, MD, TXT.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the extraction contract as JSON.")] = False,
    no_model: Annotated[bool, typer.Option("--no-model", help="Tables and patterns only, never the model.")] = False,
) -> None:
    """Extract each parcel's planning conditions (规划条件) with their source text and locator.

    Tables and patterns first; a configured, reachable model only fills fields they could not read,
    and its values are kept only when found in the text. Conflicting values are reported. The result is
    recorded in the audit trail (exit 1 if it cannot be written). Examples:

      onemap extract bench/data/extraction/docs/d02_conditions_notice_prose.md

      onemap extract 控规文本.pdf --json --no-model
    """
    from assistant.audit_records import CLI_ACTOR, LOCAL_ROLE, audit_extract, sha256_file
    from assistant.cli_audit import audit_or_exit
    from assistant.extraction import ExtractionError, service_for

    c = container()
    try:
        service = service_for(c.llm, use_model=not no_model)
        if not no_model and service.chat is None:
            err.print("no model server running (start one with `onemap serve`): patterns only", style="dim")
        try:
            result = service.extract(file)
        except ExtractionError as exc:
            raise fail(str(exc)) from None
        audit_or_exit(c, audit_extract, result, role=LOCAL_ROLE, actor=CLI_ACTOR,
                      document_sha256=sha256_file(file), use_model=service.chat is not None)
    finally:
        c.close()
    if as_json:
        out.print_json(json.dumps(result.model_dump(mode="json"), ensure_ascii=False))
        return
    for parcel in result.parcels:
        table = Table(title=f"{parcel.parcel_id}", title_justify="left")
        for col in ("字段", "取值", "原文", "位置"):
            table.add_column(col)
        for name, fv in parcel.fields.items():
            for item in fv if isinstance(fv, list) else [fv]:
                mark = "" if item.source != "model" else "（模型）"
                table.add_row(_LABELS.get(name, name), _shown(name, item) + mark, item.span, item.locator)
        out.print(table)
        for conflict in parcel.conflicts:
            values = "；".join(f"{_shown(conflict.field, v)}「{v.span}」（{v.locator}）" for v in conflict.values)
            out.print(f"冲突 {_LABELS.get(conflict.field, conflict.field)}：{values}", markup=False, highlight=False)
    for warning in result.warnings:
        err.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)
    err.print(f"{result.document}: {len(result.parcels)} parcels" + (f" · model {result.model}" if result.model else ""),
              style="dim")
