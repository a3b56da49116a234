"""``onemap compare``: two versions of a regulatory plan, parcel by parcel (详规成果比对审查).

Imported by :mod:`assistant.cli` at its end, which registers the command on its app.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from assistant.access import Role, readable_levels
from assistant.cli import State, app, container, err, fail, out

_LAYER_FILE_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip")


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
    file or an unsupported --out suffix; 1 when the CJK font for DOCX and PDF is missing. Example:

      onemap compare demo/layers/regulatory_parcels.geojson demo/revision/regulatory_parcels_revised.geojson --layers demo/layers
    """
    from assistant.reports import SUFFIXES, render_document
    from assistant.reports.fonts import FontError
    from assistant.settings import SettingsError, load_settings
    from spatial.compare import CompareOptions, compare_plans, comparison_report, read_plan, render_markdown
    from spatial.errors import SpatialError
    from spatial.rules import load_rules

    if out_file is not None and out_file.suffix.lower() not in SUFFIXES:
        raise fail(f"--out {out_file}：不支持的报告格式 {out_file.suffix or '（无扩展名）'}，"
                   "扩展名须为 .md、.docx 或 .pdf")
    try:
        settings = load_settings(State.profile)
    except SettingsError as exc:
        raise fail(str(exc)) from None
    try:
        before = read_plan(old)
        after = read_plan(new)
        rules = load_rules(settings.spatial.rules_file or None)
        lines, caps = _layers_from_dir(layers_dir) if layers_dir is not None else _layers_from_workspace(role)
        options = CompareOptions(geometry_tolerance_m2=area_tolerance,
                                 sliver_tolerance_m2=settings.spatial.sliver_tolerance_m2)
        result = compare_plans(before, after, caps=caps or None, lines=lines, options=options,
                               is_urban=rules.urban_development_boundary.is_urban)
    except SpatialError as exc:
        raise fail(str(exc)) from None
    document = comparison_report(result)
    if out_file is not None:
        try:
            data = render_document(document, SUFFIXES[out_file.suffix.lower()])
        except FontError as exc:
            err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(code=1) from None
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


def _layers_from_dir(folder: Path):
    """Control-line layers and unit caps from files named by kind in ``folder`` (a kind without a file is absent)."""
    from spatial.compare import CONTROL_LINES, caps_from_layer
    from spatial.errors import SpatialError
    from spatial.kinds import LayerKind
    from spatial.layers import read_layer

    if not folder.is_dir():
        raise fail(f"--layers {folder}：不是文件夹")
    found = {}
    for kind in (*CONTROL_LINES, LayerKind.MANAGEMENT_UNITS):
        path = next((folder / f"{kind.value}{s}" for s in _LAYER_FILE_SUFFIXES
                     if (folder / f"{kind.value}{s}").is_file()), None)
        if path is None:
            continue
        try:
            found[kind] = read_layer(kind, path)
        except SpatialError as exc:
            raise fail(f"无法读取{kind.label}图层 {path.name}：{exc}") from None
    return {k: found.get(k) for k in CONTROL_LINES}, caps_from_layer(found.get(LayerKind.MANAGEMENT_UNITS))


def _layers_from_workspace(role: Role):
    """Control-line layers and unit caps imported into the workspace that ``role`` may read."""
    from spatial.compare import CONTROL_LINES, caps_from_layer
    from spatial.errors import BackendError
    from spatial.kinds import LayerKind

    c = container()
    try:
        backend = c.layer_backend
        readable = set(readable_levels(role))
        available = {i.kind for i in backend.layers() if i.access in readable}
        lines = {k: backend.load(k) if k in available else None for k in CONTROL_LINES}
        units = backend.load(LayerKind.MANAGEMENT_UNITS) if LayerKind.MANAGEMENT_UNITS in available else None
    except BackendError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(code=1) from None
    finally:
        c.close()
    return lines, caps_from_layer(units)
