"""``POST /compare``: two versions of a regulatory plan, parcel by parcel, as ``onemap compare`` does.

The control lines and the units' floor-area caps are the layers imported into the workspace that
the caller's role may read (``onemap compare`` without ``--layers``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import JSONResponse

from api.deps import ContainerDep, Staff
from api.downloads import MEDIA_TYPES, download
from api.failures import audited, service_errors
from api.uploads import check_suffix, spooled
from spatial.compare.models import PlanComparison

router = APIRouter(tags=["compare"])

SUFFIXES = (".geojson", ".json", ".gpkg", ".zip", ".md", ".markdown", ".txt", ".docx", ".pdf", ".html", ".htm")
_PLAN = ("A parcel layer (GeoJSON, GeoPackage, zipped Shapefile) or a plan text with the parcel table "
         "(表3-1: 地块编号 … 容积率上限) as Markdown, DOCX, PDF or text.")


@router.post("/compare", response_model=PlanComparison,
             responses={200: {"description": "The comparison (JSON), or with `format` md, docx or pdf the report "
                                             "(详规成果比对审查报告) as an attachment.",
                              "content": {media: {"schema": {"type": "string", "format": "binary"}}
                                          for media in MEDIA_TYPES.values()}}},
             summary="Compare two versions of a regulatory plan")
def compare(
    old: Annotated[UploadFile, File(description="The plan as it was. " + _PLAN)],
    new: Annotated[UploadFile, File(description="The revised plan, in either form.")],
    c: ContainerDep, who: Staff,
    fmt: Annotated[Literal["json", "md", "docx", "pdf"], Query(
        alias="format", description="json (default): the comparison; md, docx, pdf: the report file.")] = "json",
    area_tolerance: Annotated[float, Query(ge=0, le=1e6, description="A boundary counts as changed above this "
                                                                      "area change or symmetric difference, in m².")]
    = 10.0,
):
    """Parcels added, removed, re-bounded, and changed in land use, FAR, density, height or green ratio;
    each unit's floor-area balance before and after; changes that meet the three control lines.
    Recorded in the audit trail with both files' SHA-256 (and the report's)."""
    from assistant.audit_records import audit_compare, sha256_file
    from assistant.reports import render_document
    from spatial.compare import comparison_report
    from spatial.compare.service import compare_files, layers_from_backend

    with spooled(("old", old), ("new", new)) as paths, service_errors(paths):
        for path in paths:
            check_suffix(path.name, SUFFIXES, what="a plan")
        before, after = paths
        result = compare_files(before, after, settings=c.settings.spatial,
                               layers=lambda: layers_from_backend(c.layer_backend, who.role),
                               area_tolerance_m2=area_tolerance, names=(before.name, after.name))
        data = None if fmt == "json" else render_document(comparison_report(result), fmt)
        audited(c, audit_compare, result, role=who.role.value, actor=who.actor, old_sha256=sha256_file(before),
                new_sha256=sha256_file(after), layers="workspace", report=data,
                report_format=None if fmt == "json" else fmt)
    if data is None:
        return JSONResponse(result.model_dump(mode="json"))
    return download(data, fmt, f"详规成果比对-{before.stem}-{after.stem}")
