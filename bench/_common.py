"""Shared helpers for the benchmark scripts: the corpus location and a workspace with it ingested."""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))


def corpus_dir(arg: str | None) -> Path:
    path = Path(arg) if arg else SHARED / "corpus"
    if not path.is_dir():
        sys.exit(f"corpus not found at {path}: put ../shared beside the project or pass --corpus")
    return path


def machine() -> str:
    cpu = ""
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))

    return f"{platform.node()} · {os.cpu_count()} cores · {cpu} · Python {platform.python_version()} · {date.today()}"


def commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def corpus_container(workspace: Path, corpus: Path):
    """A container whose workspace holds the corpus (ingested now if needed; unchanged files are skipped)."""
    from assistant.container import Container
    from assistant.settings import load_settings

    settings = load_settings("default", environ={**os.environ, "ONEMAP_HOME": str(workspace)})
    container = Container(settings)
    report = container.ingest.ingest([corpus])
    if report.failed:
        for o in report.failed:
            print(f"ingest failed: {o.path}: {o.error}", file=sys.stderr)
    print(f"corpus: {len(report.outcomes)} files ({report.count('added') + report.count('updated')} ingested now, "
          f"{report.count('unchanged')} unchanged) in {report.seconds:.1f} s", file=sys.stderr)
    return container
