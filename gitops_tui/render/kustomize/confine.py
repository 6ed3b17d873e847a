"""What the kustomize binary may read: checked before it runs.

`kustomize build` follows a base anywhere on the machine (`resources: [../../../x]`),
clones any repository it is pointed at (`file:///...`, `git@host:...`), fetches any
URL, and lets a Helm chart live at any absolute path. The repository is untrusted, so
every kustomization of the build (the app's, its bases', its components') is read
first, and every path it names must resolve inside the repository through the same
resolver as the native renderer (`paths`), files kustomize loads in or below their
kustomization's folder; remote resources are refused unless the settings allow them.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

import yaml

from ...errors import RenderError
from ...source import SourceTree
from .load import Kustomization, Loader, load_kustomization
from .paths import is_remote, local_path, resolve

REMOTE_SETTING = "allow_remote_resources"
REMOTE_FLAG = "--allow-remote-resources"

# Fields whose entries are files kustomize loads (through its load restrictor).
_FILE_LISTS = ("crds", "configurations")
_PATH_ENTRIES = ("patches", "patchesJson6902", "replacements")
# Entries that are a file, a folder holding a kustomization, or a remote.
_BASES = ("resources", "bases", "components")
_PLUGINS = ("transformers", "generators", "validators")
# Keys that hold file paths in the configs of kustomize's built-in plugins.
_PLUGIN_FILE_KEYS = ("path", "paths", "files", "envs", "env", "valuesFile", "additionalValuesFiles")
_HELM_KIND = "HelmChartInflationGenerator"


@dataclass
class Checked:
    """What the build needs from the binary."""

    helm: bool = False  # some kustomization inflates a Helm chart: --enable-helm


def check_build(tree: SourceTree, path: str, *, allow_remote: bool = False) -> Checked:
    """Raise a RenderError, naming the kustomization file and the entry, for the first
    path of the build that leaves the repository or fetches from elsewhere."""
    walk = _Walk(tree, allow_remote)
    walk.kustomization(path, path or ".", None)
    return walk.checked


def check_charts(tree: SourceTree, k: Kustomization) -> None:
    """The same checks for the helm fields of one kustomization, before the native
    renderer inflates its charts (a chart still to pull goes to the binary, checked
    whole there, remote included)."""
    _Walk(tree, allow_remote=True).helm(k)


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def _items(k: Kustomization, key: str) -> list[tuple[Any, int | None]]:
    value = k.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        value = [value]
    return [(v, k.line(key, i)) for i, v in enumerate(value)]


class _Walk:
    def __init__(self, tree: SourceTree, allow_remote: bool) -> None:
        self.tree = tree
        self.allow_remote = allow_remote
        self.checked = Checked()
        self.seen: set[str] = set()

    # ---- the rules ----------------------------------------------------------------
    def remote(self, k: Kustomization, what: str, entry: str, line: int | None) -> None:
        if not self.allow_remote:
            raise RenderError(
                k.file,
                f"{what} {entry!r} is remote: refused unless remote resources are allowed "
                f"(setting {REMOTE_SETTING}, flag {REMOTE_FLAG})",
                line,
            )

    def file(self, k: Kustomization, what: str, rel: str, line: int | None) -> None:
        """A file kustomize loads: local, in or below the kustomization's folder."""
        if "\n" in rel.strip():
            return  # an inline patch or config, not a path
        if is_remote(rel):
            self.remote(k, what, rel, line)
            return
        local_path(k, rel, line)

    def base(self, k: Kustomization, key: str, entry: str, line: int | None) -> str | None:
        """A file, a folder with a kustomization (checked in turn) or a remote."""
        what = f"{key} entry"
        if is_remote(entry):
            self.remote(k, what, entry, line)
            return None
        path = resolve(k, entry, line, what)
        if self.tree.is_dir(path):
            self.kustomization(path, k.file, line)
        elif self.tree.exists(path):
            local_path(k, entry, line)
            return path
        else:
            raise RenderError(k.file, f"{what} {entry!r}: {path} does not exist", line)
        return None

    # ---- a kustomization ------------------------------------------------------------
    def kustomization(self, dir: str, referrer: str, line: int | None) -> None:
        if dir in self.seen:
            return
        self.seen.add(dir)
        k = load_kustomization(self.tree, dir, referrer, line)
        for key in _BASES:
            for entry, at in _items(k, key):
                self.base(k, key, str(entry), at)
        for key in _PLUGINS:
            for entry, at in _items(k, key):
                if isinstance(entry, str) and "\n" not in entry.strip():
                    if (file := self.base(k, key, entry, at)) is not None:
                        self.plugin_docs(k, key, self.tree.read(file), at)
                elif isinstance(entry, str):
                    self.plugin_docs(k, key, entry.encode(), at)
                else:
                    self.plugin(k, key, entry, at)
        for key in _FILE_LISTS:
            for entry, at in _items(k, key):
                self.file(k, f"{key} entry", str(entry), at)
        openapi = k.get("openapi")
        if isinstance(openapi, dict) and openapi.get("path"):
            self.file(k, "openapi path", str(openapi["path"]), k.line("openapi"))
        for key in _PATH_ENTRIES:
            for entry, at in _items(k, key):
                if isinstance(entry, dict) and entry.get("path"):
                    self.file(k, f"{key} path", str(entry["path"]), at)
        for entry, at in _items(k, "patchesStrategicMerge"):
            self.strategic_merge(k, str(entry), at)
        for key in ("configMapGenerator", "secretGenerator"):
            for entry, _ in _items(k, key):
                if isinstance(entry, dict):
                    # The field's line, as the native generators say it.
                    self.generator(k, key, entry, k.line(key))
        self.helm(k)

    def strategic_merge(self, k: Kustomization, entry: str, line: int | None) -> None:
        # An entry is a file or an inline patch; kustomize tries it as a file first.
        if "\n" in entry.strip() or entry.lstrip().startswith(("{", "[")):
            return
        if is_remote(entry):
            self.remote(k, "patchesStrategicMerge entry", entry, line)
            return
        local_path(k, entry, line)

    def generator(self, k: Kustomization, key: str, args: dict, line: int | None) -> None:
        for f in _strings(args.get("files")):
            _, sep, rel = f.partition("=")
            self.file(k, f"{key} file", rel if sep else f, line)
        for env in [*_strings(args.get("envs")), *_strings(args.get("env"))]:
            self.file(k, f"{key} env file", env, line)

    # ---- transformers, generators, validators -------------------------------------
    def plugin_docs(self, k: Kustomization, key: str, data: bytes, line: int | None) -> None:
        try:
            docs = list(yaml.load_all(data, Loader=Loader))
        except yaml.YAMLError:
            return  # kustomize says what is wrong with it; nothing is read from it
        for doc in docs:
            if isinstance(doc, dict):
                self.plugin(k, key, doc, line)

    def plugin(self, k: Kustomization, key: str, config: Any, line: int | None) -> None:
        """The config of a built-in plugin: its files load like the kustomization's."""
        if not isinstance(config, dict):
            return
        if config.get("kind") == _HELM_KIND:
            self.chart(k, f"{key} {_HELM_KIND}", config, line)
        for name in _PLUGIN_FILE_KEYS:
            for rel in _strings(config.get(name)):
                _, sep, after = rel.partition("=")
                self.file(k, f"{key} {name}", after if sep and name == "files" else rel, line)
        for value in config.values():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict):
                    self.plugin(k, key, item, line)

    # ---- helm -------------------------------------------------------------------------
    def helm(self, k: Kustomization) -> None:
        glob = k.get("helmGlobals")
        glob = glob if isinstance(glob, dict) else {}
        if glob:
            self.checked.helm = True
            self.homes(k, "helmGlobals", glob, k.line("helmGlobals"))
        for chart, at in _items(k, "helmCharts"):
            if isinstance(chart, dict):
                self.chart(k, "helmCharts", {**glob, **chart}, at)
        for args, at in _items(k, "helmChartInflationGenerator"):
            if isinstance(args, dict):
                # The older field's names, as kustomize maps them onto helmCharts.
                chart = {
                    "name": args.get("chartName"),
                    "version": args.get("chartVersion"),
                    "repo": args.get("chartRepoUrl"),
                    "valuesFile": args.get("values"),
                    "chartHome": args.get("chartHome"),
                    "configHome": args.get("helmHome"),
                }
                self.chart(k, "helmChartInflationGenerator", chart, at)

    def homes(self, k: Kustomization, what: str, config: dict, line: int | None) -> str:
        """chartHome (read by helm; kustomize takes it from the kustomization's folder, or
        absolute) and configHome (helm's own files, from the binary's working folder)."""
        home = str(config.get("chartHome") or "charts")
        resolve(k, home, line, f"{what} chartHome")
        config_home = config.get("configHome")
        if config_home:
            text = str(config_home)
            if text.startswith("/") or ".." in text.replace("\\", "/").split("/"):
                raise RenderError(
                    k.file,
                    f"{what} configHome {text!r} is outside the repository "
                    "(only a relative folder without '..')",
                    line,
                )
        return home

    def chart(self, k: Kustomization, what: str, chart: dict, line: int | None) -> None:
        """One chart (its fields merged over helmGlobals)."""
        self.checked.helm = True
        home = self.homes(k, what, chart, line)
        values = [*_strings(chart.get("valuesFile")), *_strings(chart.get("additionalValuesFiles"))]
        for rel in values:
            self.file(k, f"{what} values file", rel, line)
        name, version, repo = chart.get("name"), chart.get("version"), chart.get("repo")
        if not name:
            return
        # Where kustomize looks for the chart before it pulls it from `repo`.
        sub = f"{name}-{version}" if version and repo else ""
        chart_dir = resolve(k, posixpath.join(home, sub, str(name)), line, f"{what} chart")
        if repo and not self.tree.is_dir(chart_dir):
            self.remote(k, f"{what} {name} from", str(repo), line)
