"""Charts from an HTTP Helm repository (Argo CD's `chart:` with `repoURL` and
`targetRevision`), pulled by helm into our cache and rendered like a chart in Git.

`helm pull --repo URL CHART --version V --untar` runs with nothing of ours but the
proxy variables; the chart lands in `<cache>/helm-charts/<repository>/<chart>-<version>/`,
extracted by helm. An exact version is pulled once and read from the cache after
that; a range (`1.2.*`, `^2.0.0`, or none: the latest) is resolved again at most once
a minute. Remote charts are fetched only when remote resources are allowed.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import RenderError
from ..source import FsTree
from .helm import CHART_FILE, Helm, chart_meta, run_helm
from .kustomize.binary import _NETWORK
from .kustomize.confine import REMOTE_FLAG, REMOTE_SETTING

EXACT = re.compile(r"^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
RANGE_TTL = 60.0


@dataclass(frozen=True)
class ChartSource:
    """A chart in a Helm repository."""

    repo_url: str
    chart: str
    version: str = ""  # targetRevision: a version, a range, or "" (the latest)

    @property
    def shown(self) -> str:
        return f"{self.chart}@{self.version or 'latest'} from {self.repo_url}"


class PulledTree(FsTree):
    """A pulled chart on disk: its content never changes, so its id is its version's."""

    def __init__(self, root: Path, ident: str) -> None:
        super().__init__(root)
        self.ident = ident

    def tree_id(self, path: str) -> str | None:
        return f"{self.ident}:{path}" if self.exists(path) else None


def charts_dir() -> Path:
    from ..config import cache_dir

    return cache_dir() / "helm-charts"


_ranges: dict[ChartSource, tuple[float, Path]] = {}
_lock = threading.Lock()


def check_source(src: ChartSource, declared_in: str) -> None:
    if not re.match(r"^https?://", src.repo_url):
        what = "OCI registries" if src.repo_url.startswith("oci://") else "this scheme"
        raise RenderError(
            declared_in,
            f"chart {src.chart} from {src.repo_url!r}: {what} are not supported yet "
            "(an HTTP(S) Helm repository is)",
        )
    if "/" in src.chart or src.chart in ("", ".", ".."):
        raise RenderError(declared_in, f"chart {src.chart!r} is not a chart name")


def pull_chart(
    src: ChartSource,
    helm: Helm,
    *,
    declared_in: str,
    allow_remote: bool,
    cache: Path | None = None,
) -> tuple[PulledTree, str]:
    """The pulled chart as a tree and the chart's folder in it."""
    check_source(src, declared_in)
    if not allow_remote:
        raise RenderError(
            declared_in,
            f"chart {src.shown} is remote: refused unless remote resources are allowed "
            f"(setting {REMOTE_SETTING}, flag {REMOTE_FLAG})",
        )
    root = (cache or charts_dir()) / hashlib.sha256(src.repo_url.encode()).hexdigest()[:16]
    version = src.version.removeprefix("v") if EXACT.match(src.version) else ""
    if version:
        folder = root / f"{src.chart}-{version}"
        if not (folder / src.chart / CHART_FILE).is_file():
            folder = _pull(src, helm, root, declared_in)
    else:
        with _lock:
            known = _ranges.get(src)
        if known and time.monotonic() - known[0] < RANGE_TTL and known[1].is_dir():
            folder = known[1]
        else:
            folder = _pull(src, helm, root, declared_in)
            with _lock:
                _ranges[src] = (time.monotonic(), folder)
    return PulledTree(folder, f"{src.repo_url}#{folder.name}"), src.chart


def _pull(src: ChartSource, helm: Helm, root: Path, declared_in: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gitops-helm-pull-", dir=root) as tmp:
        work = Path(tmp)
        args = ["pull", src.chart, "--repo", src.repo_url, "--untar", "--untardir", "out"]
        if src.version:
            args += ["--version", src.version]
        env_extra = {k: os.environ[k] for k in _NETWORK if k in os.environ}
        run_helm(helm, args, work, declared_in, extra_env=env_extra)
        pulled = work / "out" / src.chart
        if not (pulled / CHART_FILE).is_file():
            raise RenderError(declared_in, f"helm pull of {src.shown} gave no chart {src.chart}")
        name, version = chart_meta(FsTree(work / "out"), src.chart)
        if name != src.chart:
            raise RenderError(declared_in, f"{src.shown}: the package holds chart {name}")
        folder = root / f"{src.chart}-{version}"
        if not (folder / src.chart / CHART_FILE).is_file():
            staged = work / "staged"
            staged.mkdir()
            shutil.move(str(pulled), staged / src.chart)
            try:
                os.rename(staged, folder)  # whole or not at all, if another pull races
            except OSError:
                if not (folder / src.chart / CHART_FILE).is_file():
                    raise
    return folder
