"""Build the demo county into a workspace: render the PDF/DOCX documents, ingest everything.

Markdown sources live in ``demo/documents/{public,internal,confidential}``;
``demo/documents/render/{pdf,docx}`` are rendered into the workspace as real
PDF and DOCX files (named ``title(version).pdf``) so those readers are
exercised end to end; their access level and type come from their front
matter.  Layers (``demo/layers``) and projects (``demo/projects``) are used
by the spatial checks.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from ingest.models import Access, DocType
from ingest.readers import read_document
from ingest.render import render_docx, render_pdf

DEMO = Path(__file__).resolve().parent
DOCUMENTS = DEMO / "documents"
LAYERS = DEMO / "layers"
PROJECTS = DEMO / "projects"


def render_documents(target: Path) -> list[tuple[Path, Access, DocType | None]]:
    """Render the PDF and DOCX demo documents; return (file, access, type) for each."""
    target.mkdir(parents=True, exist_ok=True)
    rendered = []
    for kind, render in (("pdf", render_pdf), ("docx", render_docx)):
        for source in sorted((DOCUMENTS / "render" / kind).glob("*.md")):
            meta = read_document(source).metadata
            title = meta.get("title", source.stem)
            body = _strip_title(_strip_front_matter(source.read_text(encoding="utf-8")), title)
            name = f"{title}({meta['version']})" if meta.get("version") else title
            out = render(body, target / f"{name}.{kind}", title=title)
            access = Access(meta.get("access", "public"))
            dtype = DocType(meta["doc_type"]) if meta.get("doc_type") else None
            rendered.append((out, access, dtype))
    return rendered


def import_layers(container) -> int:
    """Import the demo layers (county outline excepted) unless the same file is already loaded."""
    from spatial.kinds import LayerKind

    loaded = {info.kind: info.sha256 for info in container.layers.list()}
    changed = 0
    for kind in LayerKind:
        path = LAYERS / f"{kind.value}.geojson"
        if loaded.get(kind) == _sha256(path):
            continue
        container.layers.import_file(kind, path, Access.PUBLIC)
        changed += 1
    return changed


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy_projects(container) -> Path:
    """Copy the demo applications where the assistant's tools look projects up by id (qa.projects_dir)."""
    import shutil

    target = container.settings.workspace / container.settings.qa.projects_dir
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(PROJECTS.glob("P-*.json")):
        shutil.copyfile(path, target / path.name)
    return target


def build_demo(container, *, ingest_docs: bool = True, console: Console | None = None) -> str:
    """Render the demo documents, ingest them and import the demo layers; return a summary line."""
    console = console or Console(stderr=True)
    import_layers(container)
    copy_projects(container)
    rendered = render_documents(container.settings.workspace / "demo")
    if not ingest_docs:
        return f"rendered {len(rendered)} documents into {container.settings.workspace / 'demo'}"
    folders = [DOCUMENTS / level.value for level in Access if (DOCUMENTS / level.value).is_dir()]
    report = container.ingest.ingest(folders)
    rendered_outcomes = [container.ingest.ingest_file(path, access=access, doc_type=dtype)
                         for path, access, dtype in rendered]
    report.outcomes.extend(rendered_outcomes)
    if any(o.status in ("added", "updated") for o in rendered_outcomes):
        container.lexical.rebuild()
    for o in report.failed:
        console.print(f"{o.path}: {o.error}", markup=False)
    if report.failed:
        raise RuntimeError(f"{len(report.failed)} demo documents failed to ingest")
    docs = container.catalog.documents()
    by_access = {level.value: sum(1 for d in docs if d.access is level) for level in Access}
    return (f"demo county 示范县: {len(docs)} documents indexed "
            f"({', '.join(f'{n} {level}' for level, n in by_access.items())}), "
            f"{sum(d.n_chunks for d in docs)} chunks; {len(container.layers.list())} layers imported; "
            f"projects to check in {PROJECTS}")


def _strip_front_matter(text: str) -> str:
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end != -1:
            return text[end + 4:].lstrip("\n")
    return text


def _strip_title(text: str, title: str) -> str:
    """Drop a leading ``# title`` line: the renderers print the title themselves."""
    first, _, rest = text.partition("\n")
    return rest.lstrip("\n") if first.lstrip("# ").strip() == title else text
