"""The ``onemap`` command line.  Commands call the same services as the API."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from assistant.access import Role
from assistant.settings import Settings, SettingsError, load_settings
from ingest.models import Access, DocType

app = typer.Typer(
    name="onemap",
    help="OneMap Copilot (一张图智审助手): planning knowledge assistant and review copilot.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
documents_app = typer.Typer(help="List and remove ingested documents.", no_args_is_help=True)
app.add_typer(documents_app, name="documents")
settings_app = typer.Typer(help="Show the effective settings.", no_args_is_help=True)
app.add_typer(settings_app, name="settings")
graph_app = typer.Typer(
    help="The knowledge graph of documents, clauses, land-use classes, zones, indicators and rules (Cypher over Bolt).",
    no_args_is_help=True)
app.add_typer(graph_app, name="graph")
layers_app = typer.Typer(
    help="Import, list and quality-check the layers of the one map (三条控制线, 规划分区, 控规地块, 管理单元).",
    no_args_is_help=True)
app.add_typer(layers_app, name="layers")

out = Console()
err = Console(stderr=True)


class State:
    profile: str | None = None


def fail(message: str) -> typer.Exit:
    """Print a one-line reason and exit with code 2 (bad input)."""
    err.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


def container():
    from assistant.container import Container

    try:
        settings = load_settings(State.profile)
    except SettingsError as exc:
        raise fail(str(exc)) from None
    return Container(settings)


@app.callback()
def main_options(
    profile: Annotated[str | None, typer.Option(
        "--profile", help="Settings profile: default (embedded), test or production. Env: ONEMAP_PROFILE.")] = None,
) -> None:
    """OneMap Copilot. State lives in the workspace folder (ONEMAP_HOME, default ./workspace)."""
    State.profile = profile


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (searched recursively).")],
    access: Annotated[Access | None, typer.Option(
        help="Access level; the stricter of this and a document's own front matter applies.")] = None,
    doc_type: Annotated[DocType | None, typer.Option("--doc-type", help="Document type; default: inferred.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON report.")] = False,
) -> None:
    """Ingest PDF, DOCX, Markdown, text and HTML documents into the search index.

    Unchanged documents are skipped; changed ones replace their old chunks
    atomically. Exit code 2 if any file failed (the others are still ingested).
    """
    from ingest.pipeline import collect_files

    c = container()
    files = collect_files(paths)
    if not files:
        raise fail("no supported files found in " + " ".join(map(str, paths)))
    with Progress(TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=err, transient=True, disable=as_json) as bar:
        task = bar.add_task("", total=len(files))

        def advance(outcome) -> None:
            bar.update(task, advance=1, description=outcome.path.name[:40])

        report = c.ingest.ingest(files, access=access, doc_type=doc_type, on_file=advance)
    c.close()
    for o in report.failed:
        err.print(f"{o.path}: {o.error}", markup=False, highlight=False, soft_wrap=True)
    if as_json:
        out.print_json(data={
            "files": len(report.outcomes), "added": report.count("added"), "updated": report.count("updated"),
            "unchanged": report.count("unchanged"), "failed": report.count("failed"), "chunks": report.chunks,
            "seconds": round(report.seconds, 2),
            "documents": [{"path": str(o.path), "status": o.status, "doc_id": o.doc_id, "title": o.title,
                           "version": o.version, "chunks": o.chunks, "error": o.error} for o in report.outcomes],
        })
    else:
        out.print(f"{len(report.outcomes)} files: {report.count('added')} added, {report.count('updated')} updated, "
                  f"{report.count('unchanged')} unchanged, {report.count('failed')} failed; "
                  f"{report.chunks} chunks indexed in {report.seconds:.1f} s")
    if report.failed:
        raise typer.Exit(code=2)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Question or keywords, in Chinese.")],
    k: Annotated[int, typer.Option("-k", "--top-k", min=1, max=100, help="Number of hits.")] = 5,
    role: Annotated[Role, typer.Option(help="Whose view: public sees public documents only.")] = Role.PUBLIC,
    mode: Annotated[str, typer.Option(help="hybrid, bm25 or vector.")] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON contract.")] = False,
) -> None:
    """Hybrid (BM25 + vector) search over the ingested documents, filtered by role."""
    if mode not in ("hybrid", "bm25", "vector"):
        raise fail(f"--mode must be hybrid, bm25 or vector, not {mode!r}")
    if not query.strip():
        raise fail("the query is empty")
    c = container()
    result = c.search.search(query, k=k, role=role, mode=mode)  # type: ignore[arg-type]
    c.close()
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return
    if not result.hits:
        out.print("no hits (is anything ingested? try: onemap ingest PATH)")
    for hit in result.hits:
        where = " › ".join(hit.heading_path)
        out.print(f"[bold]{hit.rank}. 《{hit.doc_title}》{hit.locator}[/bold]"
                  f"  [dim]{hit.version} {where} · {hit.access} · {hit.score:.3f}[/dim]")
        out.print("   " + hit.text[:160].replace("\n", " ") + ("…" if len(hit.text) > 160 else ""),
                  markup=False, highlight=False)


@documents_app.command("list")
def documents_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List ingested documents."""
    from assistant.documents import list_documents

    c = container()
    docs = list_documents(c.catalog, Role.ADMIN)
    c.close()
    if as_json:
        out.print_json(data=[d.model_dump(mode="json") for d in docs])
        return
    table = Table("doc_id", "title", "version", "type", "access", "chunks")
    for d in docs:
        table.add_row(d.doc_id, d.title, d.version, d.doc_type, d.access, str(d.chunks))
    out.print(table)
    out.print(f"{len(docs)} documents")


@documents_app.command("remove")
def documents_remove(doc_id: Annotated[str, typer.Argument(help="Id from 'onemap documents list'.")]) -> None:
    """Remove a document and its chunks from the index (and its copy, if it was uploaded)."""
    from assistant.documents import remove_document

    c = container()
    removed = remove_document(c.ingest, c.settings.workspace, doc_id)
    c.close()
    if not removed:
        raise fail(f"no document with id {doc_id}")
    out.print(f"removed {doc_id}")


KIND_HELP = ("Layer kind: ecological_protection_redline, permanent_basic_farmland, urban_development_boundary, "
             "planning_zones, regulatory_parcels or management_units.")
STATUS_STYLE = {"pass": "green", "conditional": "yellow", "unknown": "dim", "fail": "bold red"}


def _spatial_call(fn):
    """Run ``fn(container)``: bad input or rules → one line and exit 2; an unreachable backend → exit 1."""
    from spatial.errors import BackendError, SpatialError

    c = container()
    try:
        return fn(c)
    except BackendError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(code=1) from None
    except SpatialError as exc:
        raise fail(str(exc)) from None
    finally:
        c.close()


@layers_app.command("import")
def layers_import(
    kind: Annotated[str, typer.Argument(help=KIND_HELP, show_default=False)],
    file: Annotated[Path, typer.Argument(help="GeoJSON, Shapefile (.shp, folder or .zip) or GeoPackage.")],
    access: Annotated[Access, typer.Option(help="Who may use this layer in checks.")] = Access.PUBLIC,
    layer: Annotated[str | None, typer.Option(help="Layer name inside a multi-layer GeoPackage.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Import a layer file, replacing that kind's layer. The CRS comes from the file;
    a GeoJSON without one is CGCS2000 lon/lat (EPSG:4490)."""
    def run(c):
        with err.status(f"importing {file.name} as {kind}…", spinner="dots"):
            return c.layers.import_file(kind, file, access, layer_name=layer)

    info = _spatial_call(run)
    if as_json:
        out.print_json(data=info.to_json())
        return
    out.print(f"{info.kind.value} ({info.kind.label}): {info.features} features from {info.source_crs}, "
              f"{info.area_m2 / 1e6:.2f} km², access {info.access.value}"
              + (f"; {info.invalid} invalid geometries repaired (see: onemap layers qc)" if info.invalid else ""))


@layers_app.command("list")
def layers_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List the imported layers."""
    infos = _spatial_call(lambda c: c.layers.list())
    if as_json:
        out.print_json(data=[i.to_json() for i in infos])
        return
    table = Table("kind", "name", "features", "area km²", "access", "source CRS", "imported")
    for i in infos:
        table.add_row(i.kind.value, i.kind.label, str(i.features), f"{i.area_m2 / 1e6:.2f}", i.access.value,
                      i.source_crs, i.imported_at[:19])
    out.print(table)
    if not infos:
        out.print("no layers (try: onemap layers import regulatory_parcels demo/layers/regulatory_parcels.geojson)")


@layers_app.command("remove")
def layers_remove(kind: Annotated[str, typer.Argument(help=KIND_HELP, show_default=False)]) -> None:
    """Remove one kind's layer."""
    from spatial.errors import SpatialError
    from spatial.kinds import LayerKind

    try:
        k = LayerKind.parse(kind)
    except SpatialError as exc:
        raise fail(str(exc)) from None
    removed = _spatial_call(lambda c: c.layer_backend.remove(k))
    if not removed:
        raise fail(f"no {k.value} layer is imported")
    out.print(f"removed {k.value}")


@layers_app.command("qc")
def layers_qc(
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Exit with code 1 when any error is found.")] = False,
) -> None:
    """数据质检: invalid geometries, farmland overlapping the red line, urban parcels outside the
    development boundary, missing or out-of-range attributes, duplicate ids, 2020-trial land-use codes."""
    def run(c):
        with err.status("checking layers…", spinner="dots"):
            return c.layers.qc()

    report = _spatial_call(run)
    if as_json:
        out.print_json(data=report.to_json())
    else:
        table = Table("severity", "check", "kind", "features", "message")
        for issue in report.issues:
            style = "bold red" if issue.severity == "error" else "yellow"
            table.add_row(f"[{style}]{issue.severity}[/{style}]", issue.check, issue.kind,
                          ", ".join(issue.feature_ids[:4]) + ("…" if len(issue.feature_ids) > 4 else ""),
                          issue.message)
        if report.issues:
            out.print(table)
        errors = sum(1 for i in report.issues if i.severity == "error")
        out.print(f"{errors} errors, {len(report.issues) - errors} warnings")
    if strict and not report.passed:
        raise typer.Exit(code=1)


@app.command()
def check(
    project: Annotated[Path, typer.Argument(help="Project application JSON (see demo/projects/README.md).")],
    role: Annotated[Role, typer.Option(help="Whose view: layers above the role's access level count as missing.")]
    = Role.OFFICER,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON verdict (the output contract).")] = False,
) -> None:
    """Check a project against the three control lines, the regulatory plan and its unit's floor-area cap.

    Every status comes from a computation and names its rule and clause; the check is recorded in the
    audit trail. The exit code is 0 whatever the verdict; 2 for bad input; 1 when the layer backend is
    unreachable or the audit trail cannot be written.
    """
    from assistant.audit_records import CLI_ACTOR, audit_check
    from assistant.cli_audit import audit_or_exit
    from spatial.errors import SpatialError
    from spatial.project import load_project

    try:
        parsed = load_project(project)
    except SpatialError as exc:
        raise fail(str(exc)) from None

    def run(c):
        verdict = c.checks.check(parsed, role=role)
        audit_or_exit(c, audit_check, parsed, verdict, role=role, actor=CLI_ACTOR, source=str(project.resolve()))
        return verdict

    verdict = _spatial_call(run)
    if as_json:
        sys.stdout.write(verdict.model_dump_json(indent=2) + "\n")
        return
    style = STATUS_STYLE[verdict.overall.value]
    out.print(f"[bold]{verdict.project_id}[/bold] {verdict.name}  "
              f"[{style}]{verdict.label} ({verdict.overall.value})[/{style}]  "
              f"[dim]{verdict.area_m2:,.1f} m² in {verdict.area_crs}[/dim]")
    for r in verdict.checks:
        s = STATUS_STYLE[r.status.value]
        out.print(f"  [{s}]{r.label}[/{s}] [bold]{r.check.value}[/bold]  [dim]{r.rule.cite()}[/dim]", highlight=False)
        out.print(f"      {r.message}", markup=False, highlight=False)
    for w in verdict.warnings:
        out.print(f"  [yellow]warning[/yellow] {w}", markup=True, highlight=False)


def _graph_call(fn):
    """Run ``fn(container)``; graph errors become one line and exit 2 (bad input) or 1 (server)."""
    from knowledge_graph.errors import GraphError, GraphQueryError, ReadOnlyViolation

    c = container()
    try:
        return fn(c)
    except (GraphQueryError, ReadOnlyViolation) as exc:
        raise fail(str(exc)) from None
    except GraphError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(code=1) from None
    finally:
        c.close()


def _print_model(model, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(model.model_dump_json(indent=2) + "\n")
    else:
        out.print_json(model.model_dump_json())


@graph_app.command("build")
def graph_build(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Extra documents or folders read straight from disk (chunked, not embedded), e.g. ../shared/corpus.")]
    = None,
    demo: Annotated[bool, typer.Option("--demo/--no-demo", help="Add the demo county's zones and indicators.")] = True,
    clear: Annotated[bool, typer.Option("--clear", help="Delete the graph first.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON report.")] = False,
) -> None:
    """Build the graph from the ingested documents (and PATHS): clauses, rules with their clauses,
    the 用地用海 classes, and the demo plan's zones and indicator chain. Idempotent (MERGE on ids)."""
    def run(c):
        with err.status("building the knowledge graph…", spinner="dots") as status:
            return c.graph.build(paths=paths or [], demo=demo, clear=clear,
                                 progress=lambda what, n: status.update(f"writing {what}: {n}"))

    report = _graph_call(run)
    for path, error in report.failed:
        err.print(f"{path}: {error}", markup=False, highlight=False, soft_wrap=True)
    if as_json:
        out.print_json(data=report.to_json())
        return
    out.print(f"{report.documents} documents, {report.clauses} clauses, {report.rules} rules; "
              f"written in {report.seconds['total']:.1f} s")


@graph_app.command("stats")
def graph_stats(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Counts per label and per relationship type."""
    counts = _graph_call(lambda c: c.graph.stats())
    if as_json:
        out.print_json(data=counts)
        return
    table = Table("label / relationship", "count")
    for group in ("labels", "relationships"):
        for name, n in sorted(counts[group].items()):
            table.add_row(name, str(n))
    out.print(table)


@graph_app.command("rules")
def graph_rules(
    applies_to: Annotated[str, typer.Option("--applies-to", help="A control line (永久基本农田, 生态保护红线, "
                                            "城镇开发边界) or a 用地用海 code or name (070102, 二类城镇住宅用地).")],
    role: Annotated[Role, typer.Option(help="Whose view.")] = Role.PUBLIC,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Most rules to list.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Rules that apply to a control line or a land-use class, each with its clause."""
    result = _graph_call(lambda c: c.graph.rules(applies_to, role=role, limit=limit))
    if not result.resolved:
        raise fail(f"{applies_to!r} is neither a control line nor a 用地用海 class")
    if as_json:
        _print_model(result, True)
        return
    for r in result.rules:
        out.print(f"[bold]{r.modality}[/bold] {r.text[:90]}", highlight=False)
        out.print(f"   [dim]《{r.source.doc_title}》{r.source.locator} · {r.authority or '—'} · {r.rule_id}[/dim]",
                  highlight=False)
    out.print(f"{len(result.rules)} rules")


@graph_app.command("authority")
def graph_authority(
    question: Annotated[str, typer.Argument(help="The action, e.g. 永久基本农田转为建设用地.")],
    role: Annotated[Role, typer.Option(help="Whose view.")] = Role.PUBLIC,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Who approves an action, with the clauses that say so."""
    result = _graph_call(lambda c: c.graph.authority(question, role=role))
    if as_json:
        _print_model(result, True)
        return
    if not result.authority:
        out.print("no rule in the graph names an authority for this (is the corpus in the graph?)")
        return
    out.print(f"[bold]{result.authority}[/bold]")
    for r in result.candidates:
        out.print(f"   《{r.source.doc_title}》{r.source.locator}: {r.text[:80]}", highlight=False)


@graph_app.command("chain")
def graph_chain(
    zone: Annotated[str, typer.Option("--zone", help="Zone id: county:示范县, district:中心城区片区, SF-03, SF-03-01.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The indicator transmission chain (规划传导) of a zone, up and down, with breaches of 约束性 caps."""
    result = _graph_call(lambda c: c.graph.chain(zone))
    if not result.chains:
        raise fail(f"no indicators are allocated to zone {zone!r} (try: onemap graph chain --zone SF-03)")
    if as_json:
        _print_model(result, True)
        return
    for ch in result.chains:
        path = " → ".join(f"{n.zone_id} {n.target if n.target is not None else n.current:g}"
                          for n in [*ch.up, ch.node] if (n.target if n.target is not None else n.current) is not None)
        out.print(f"[bold]{ch.name}[/bold] ({ch.node.unit}): {path}; {len(ch.down)} below", highlight=False)
    for b in result.breaches:
        out.print(f"  [bold red]breach[/bold red] {b}", highlight=False)


@graph_app.command("balance")
def graph_balance(
    unit: Annotated[str, typer.Option("--unit", help="Management unit id, e.g. SF-02.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Unit balance: Σ parcels' planned GFA (far_max × area) against the unit's cap."""
    result = _graph_call(lambda c: c.graph.unit_balance(unit))
    if not result.parcels and result.cap_m2 is None:
        raise fail(f"no management unit {unit!r} in the graph")
    if as_json:
        _print_model(result, True)
        return
    verdict = "within the cap" if result.within_cap else "OVER the cap" if result.within_cap is False else "no cap"
    out.print(f"{unit}: {result.planned_gfa_m2:,.0f} m² planned over {len(result.parcels)} parcels, cap "
              f"{result.cap_m2 or 0:,.0f} m²: {verdict}")


@graph_app.command("clause")
def graph_clause(
    clause_id: Annotated[str, typer.Argument(help="Clause id: DOC_ID#第四十四条.")],
    role: Annotated[Role, typer.Option(help="Whose view.")] = Role.PUBLIC,
) -> None:
    """The neighbourhood of a clause: rules derived from it, what they apply to, indicators and zones."""
    result = _graph_call(lambda c: c.graph.neighbourhood(clause_id, role=role))
    if result is None:
        raise fail(f"no clause {clause_id!r} visible to role {role.value}")
    _print_model(result, True)


@graph_app.command("cypher")
def graph_cypher(
    query: Annotated[str, typer.Argument(help="A Cypher query.")],
    write: Annotated[bool, typer.Option("--write", help="Allow writes (CREATE, MERGE, SET, DELETE ...).")] = False,
    role: Annotated[Role, typer.Option(help="Only admin may run raw Cypher.")] = Role.ADMIN,
) -> None:
    """Run raw Cypher (admin). Read-only unless --write: a write sent without it is refused."""
    if role is not Role.ADMIN:
        raise fail("raw Cypher is for the admin role only")
    rows = _graph_call(lambda c: c.graph_store.write(query) if write else c.graph_store.read(query))
    out.print_json(data=rows, default=str)


@settings_app.command("show")
def settings_show() -> None:
    """Print the effective settings (profile, environment overrides applied) as JSON."""
    try:
        settings: Settings = load_settings(State.profile)
    except SettingsError as exc:
        raise fail(str(exc)) from None
    out.print_json(data=settings.model_dump(mode="json"))


@app.command()
def demo(
    ingest_docs: Annotated[bool, typer.Option("--ingest/--no-ingest", help="Ingest the demo documents.")] = True,
) -> None:
    """Build the demo county (示范县): render its PDF and DOCX documents and ingest everything."""
    from demo.build import build_demo

    c = container()
    summary = build_demo(c, ingest_docs=ingest_docs, console=err)
    c.close()
    out.print(summary)


import assistant.cli_audit  # noqa: E402,F401  (registers audit list and verify)
import assistant.cli_compare  # noqa: E402,F401  (registers compare)
import assistant.cli_eval  # noqa: E402,F401  (registers eval run, compare and suites)
import assistant.cli_extract  # noqa: E402,F401  (registers extract)
import assistant.cli_keys  # noqa: E402,F401  (registers keys add, list and revoke)
import assistant.cli_qa  # noqa: E402,F401  (registers ask, serve and model on this app)
import assistant.cli_review  # noqa: E402,F401  (registers review)


def main() -> None:
    from ingest.errors import WorkspaceBusyError

    try:
        app()
    except WorkspaceBusyError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
