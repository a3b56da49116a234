"""``onemap compare``: two versions of a regulatory plan, parcel by parcel (详规成果比对审查).

Imported by :mod:`assistant.cli` at its end, which registers the command on its app.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from assistant.access import Role
from assistant.cli import State, app, container, err, fail, out


@app.command()
def compare(
    old: Annotated[Path, typer.Argument(help="The plan as it was: a parcel layer (GeoJSON, Shapefile, GeoPackage) "
                                             "or a plan text with the parcel table (Markdown, DOCX, PDF).",
                                        show_default=False)],
    new: Annotated[Path, typer.Argument(help="The revised plan, in either form.", show_default=False)],
    out_file: Annotated[Path | None, typer.Option(
        "--out", help="Write the report here; the format follows the suffix: .md, .docx or .pdf "
                      "(missing folders are created). Default: Markdown on stdout.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON.")] = False,
    layers_dir: Annotated[Path | None, typer.Option(
        "--layers", help="Folder with the control-line and management-unit layers named by kind "
                         "(e.g. demo/layers); default: the layers imported into the workspace.")] = None,
    role: Annotated[Role, typer.Option(help="Whose view of the workspace layers (ignored with --layers).")]
    = Role.OFFICER,
    area_tolerance: Annotated[float, typer.Option(
        "--area-tolerance", min=0, help="A boundary counts as changed above this area change or "
                                        "symmetric difference, in m².")] = 10.0,
) -> None:
    """Compare two versions of a regulatory plan: parcels added, removed, re-bounded, and changed in
    land use, FAR, density, height or green ratio; each unit's floor-area balance before and after;
    changes that meet the three control lines.

    Parcels are matched by parcel_id. The --out suffix sets the report's format: .md, .docx or .pdf;
    without --out or --json the Markdown report is printed. Exit code 2 for a missing or unreadable
    file or an unsupported --out suffix; 1 when the CJK font for DOCX and PDF is missing or the audit
    trail cannot be written (the comparison, its inputs' and report's SHA-256 are recorded). Example:

      onemap compare demo/layers/regulatory_parcels.geojson demo/revision/regulatory_parcels_revised.geojson --layers demo/layers
    """
    from assistant.audit_records import CLI_ACTOR, audit_compare
    from assistant.cli_audit import audit_or_exit
    from assistant.reports import SUFFIXES, render_document
    from assistant.reports.fonts import FontError
    from assistant.settings import SettingsError, load_settings
    from spatial.compare import comparison_report, render_markdown
    from spatial.compare.service import compare_files, layers_from_folder
    from spatial.errors import SpatialError

    if out_file is not None and out_file.suffix.lower() not in SUFFIXES:
        raise fail(f"--out {out_file}：不支持的报告格式 {out_file.suffix or '（无扩展名）'}，"
                   "扩展名须为 .md、.docx 或 .pdf")
    try:
        settings = load_settings(State.profile)
    except SettingsError as exc:
        raise fail(str(exc)) from None
    if layers_dir is not None and not layers_dir.is_dir():
        raise fail(f"--layers {layers_dir}：不是文件夹")
    try:
        result = compare_files(old, new, settings=settings.spatial, area_tolerance_m2=area_tolerance,
                               layers=(lambda: layers_from_folder(layers_dir)) if layers_dir is not None
                               else (lambda: _layers_from_workspace(role)))
    except SpatialError as exc:
        raise fail(str(exc)) from None
    document = comparison_report(result)
    data = None
    if out_file is not None:
        try:
            data = render_document(document, SUFFIXES[out_file.suffix.lower()])
        except FontError as exc:
            err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(code=1) from None
    c = container()
    try:
        audit_or_exit(c, audit_compare, result, role=role, actor=CLI_ACTOR, old_sha256=_file_sha256(old),
                      new_sha256=_file_sha256(new), layers=str(layers_dir) if layers_dir is not None else None,
                      report=data, report_path=out_file,
                      report_format=SUFFIXES[out_file.suffix.lower()] if out_file is not None else None)
    finally:
        c.close()
    if out_file is not None and data is not None:
        try:
            out_file.parent.mkdir(parents=True, exist_ok=True)
            out_file.write_bytes(data)
        except OSError as exc:
            raise fail(f"无法写入报告 {out_file}：{exc.strerror or exc}") from None
    if as_json:
        out.print_json(json.dumps(result.model_dump(mode="json"), ensure_ascii=False))
    elif out_file is None:
        out.print(render_markdown(document), markup=False, highlight=False, soft_wrap=True)
    if out_file is not None:
        pushed = [u.unit_id for u in result.units if u.pushed_over]
        err.print(f"{len(result.changes)}个地块有变化，{len(result.control_lines)}处涉及控制线"
                  + (f"，{'、'.join(pushed)}调整后超出建筑总量上限" if pushed else "")
                  + f"；报告已写入 {out_file}", markup=False, highlight=False, soft_wrap=True)


def _file_sha256(path: Path) -> str | None:
    """A plan file's SHA-256; None for a folder (a Shapefile given as its directory)."""
    from assistant.audit_records import sha256_file

    return sha256_file(path) if path.is_file() else None


def _layers_from_workspace(role: Role):
    """Control-line layers and unit caps imported into the workspace that ``role`` may read."""
    from spatial.compare.service import layers_from_backend
    from spatial.errors import BackendError

    c = container()
    try:
        return layers_from_backend(c.layer_backend, role)
    except BackendError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(code=1) from None
    finally:
        c.close()
