"""Helm charts, rendered by helm itself (`helm template`), as Argo CD's repo-server does.

Helm's templates are Go templates with Sprig and Helm's own functions: they are never
re-implemented here. The chart folder (and the value files it is given) is copied out
of the Git tree into a fresh folder that no entry may leave, and `helm template` runs
there with an environment holding nothing of ours (no kubeconfig: `lookup` finds
nothing, as in any template run) and helm's own homes in that folder.

Which helm: the setting or `GITOPS_TUI_HELM`, else the cached build
(`python -m gitops_tui.localcluster --helm-only`), else `helm` on PATH. Helm 3 only: Argo CD's
repo-server and kustomize's --enable-helm render with Helm 3.

Hooks (`helm.sh/hook`) are returned apart from the objects, never applied as plain
objects, with the Argo CD phase they map to.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import subprocess
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import RenderError
from ..source import PathOutsideRoot, SourceTree, norm, unsafe_name
from .kustomize.binary import binary_env, materialize
from .kustomize.load import Loader, load_documents

CHART_FILE = "Chart.yaml"
HELM_ENV = "GITOPS_TUI_HELM"
HOOK = "helm.sh/hook"
HOOK_WEIGHT = "helm.sh/hook-weight"
HOOK_DELETE_POLICY = "helm.sh/hook-delete-policy"
# Argo CD runs these Helm hooks in its own phases; the others (test, delete,
# rollback) it never runs.
ARGO_PHASES = {
    "pre-install": "PreSync",
    "pre-upgrade": "PreSync",
    "post-install": "PostSync",
    "post-upgrade": "PostSync",
}
INSTALL_HINT = (
    "install helm 3 (https://helm.sh/docs/intro/install/) on PATH, build it with "
    "`python -m gitops_tui.localcluster --helm-only`, or set GITOPS_TUI_HELM to its path"
)
TIMEOUT = 300.0


def default_kube_version() -> str:
    """The Kubernetes version charts see when no cluster is known: the local one's."""
    from ..localcluster.build import K8S_VERSION

    return K8S_VERSION


# ---- the binary -----------------------------------------------------------------------
@dataclass(frozen=True)
class Helm:
    path: str
    version: str  # "v3.22.0"


# The helm setting of the render running in this thread (kustomize's helmCharts are
# inflated deep inside a build).
HELM_SETTING: ContextVar[str | None] = ContextVar("helm_setting", default=None)


@contextmanager
def helm_setting(path: str | None) -> Iterator[None]:
    token = HELM_SETTING.set(path)
    try:
        yield
    finally:
        HELM_SETTING.reset(token)


_versions: dict[tuple[str, int, int], str] = {}
_versions_lock = threading.Lock()


def helm_version(path: str) -> str:
    """`helm version` of a binary, asked once per build of the file."""
    st = os.stat(path)
    key = (path, st.st_mtime_ns, st.st_size)
    with _versions_lock:
        if key in _versions:
            return _versions[key]
    with tempfile.TemporaryDirectory(prefix="gitops-helm-") as tmp:
        proc = subprocess.run(
            [path, "version", "--template", "{{.Version}}"],
            capture_output=True,
            timeout=60,
            check=False,
            env=helm_env(Path(tmp)),
        )
    text = proc.stdout.decode(errors="replace").strip()
    if proc.returncode != 0 or not re.fullmatch(r"v?\d+\.\d+\.\d+\S*", text):
        raise RenderError(path, f"`helm version` failed: {error_text(proc.stderr) or text}")
    with _versions_lock:
        _versions[key] = text
    return text


def find_helm(explicit: str | None = None) -> Helm:
    """The helm to render with: `explicit` (the setting), $GITOPS_TUI_HELM, the cached
    build, then PATH. A RenderError that says what to install when there is none."""
    from ..localcluster.build import helm_binary

    chosen: str | None = None
    for candidate, what in (
        (explicit or HELM_SETTING.get(), "the helm setting"),
        (os.environ.get(HELM_ENV), HELM_ENV),
    ):
        if candidate:
            resolved = shutil.which(candidate)
            if resolved is None:
                raise RenderError(candidate, f"{what} names no executable helm")
            chosen = resolved
            break
    if chosen is None:
        built = helm_binary()
        if built.is_file() and os.access(built, os.X_OK):
            chosen = str(built)
        else:
            chosen = shutil.which("helm")
    if chosen is None:
        raise RenderError("helm", f"rendering a Helm chart needs helm, none found: {INSTALL_HINT}")
    version = helm_version(chosen)
    if not version.lstrip("v").startswith("3."):
        raise RenderError(
            chosen, f"helm {version} found; charts render with Helm 3, as Argo CD: {INSTALL_HINT}"
        )
    return Helm(chosen, version)


def helm_env(home: Path) -> dict[str, str]:
    """Nothing of ours, and helm's own config, cache and data in a folder of the run:
    no repository, registry login or plugin of the machine is used."""
    env = binary_env(home)
    env.update(
        HELM_CONFIG_HOME=str(home / "helm-config"),
        HELM_CACHE_HOME=str(home / "helm-cache"),
        HELM_DATA_HOME=str(home / "helm-data"),
        HELM_PLUGINS=str(home / "helm-plugins"),
        HELM_NAMESPACE="",
    )
    return env


def error_text(stderr: bytes) -> str:
    """helm's error, on one line: from its `Error:` line to the end (a schema error
    lists each failing value below it), without the hint about --debug."""
    lines = [ln.strip() for ln in stderr.decode(errors="replace").splitlines() if ln.strip()]
    start = next((i for i, ln in enumerate(lines) if ln.startswith("Error:")), None)
    if start is None:
        return lines[-1] if lines else ""
    kept = [ln for ln in lines[start:] if not ln.startswith("Use --debug flag")]
    return " ".join(kept).removeprefix("Error:").strip()


def run_helm(
    helm: Helm, args: list[str], work: Path, label: str, extra_env: dict[str, str] | None = None
) -> bytes:
    """Run helm with `work` as its whole world; errors name repository paths, not ours."""
    home = work / ".home"
    home.mkdir(exist_ok=True)
    proc = subprocess.run(
        [helm.path, *args],
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
        env={**helm_env(home), **(extra_env or {})},
        cwd=work,
    )
    if proc.returncode != 0:
        msg = error_text(proc.stderr) or f"exit {proc.returncode}"
        # Paths of the copy, absolute or from the run's folder, as repository paths.
        msg = msg.replace(str(work) + "/", "")
        msg = re.sub(r"(?<![\w.-])repo/", "", msg)
        raise RenderError(label, f"helm {args[0]}: {msg}")
    return proc.stdout


# ---- copying out of the tree ---------------------------------------------------------
def within(root: str, path: str) -> bool:
    return root == "" or path == root or path.startswith(root + "/")


def copy_paths(tree: SourceTree, dest: Path, paths: list[str]) -> None:
    """Copy folders and files of the tree to the same paths under `dest`."""
    done: list[str] = []
    for path in sorted(set(paths), key=lambda p: (p.count("/"), p)):
        if any(within(d, path) for d in done):
            continue
        parts = path.split("/") if path else []
        for part in parts:
            if why := unsafe_name(part):
                raise RenderError(path, f"refusing to copy {path!r} ({why})")
        target = dest.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        if tree.is_dir(path):
            target.mkdir(exist_ok=True)
            materialize(tree, dest, path)
        else:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
            with os.fdopen(os.open(target, flags, 0o600), "wb") as f:
                f.write(tree.read(path))
        done.append(path)


def note_read(tree: SourceTree, path: str) -> None:
    """Count a path as read by the render (history follows it), also on a cache hit."""
    note = getattr(tree, "note_read", None)
    if note is not None:
        note(path)


# ---- the options, as Argo CD's spec.source.helm holds them -----------------------------
@dataclass(frozen=True)
class HelmParameter:
    name: str
    value: str
    force_string: bool = False  # --set-string, not --set


@dataclass(frozen=True)
class HelmOptions:
    """How one chart is rendered; hashable, a part of the cache key."""

    release_name: str = ""  # "" → the app's name
    namespace: str = ""  # --namespace (.Release.Namespace); "" → helm's "default"
    # As declared: relative to the chart folder, or from the repository root with '/'.
    value_files: tuple[str, ...] = ()
    ignore_missing_value_files: bool = False
    values: str = ""  # inline values (YAML), after the value files
    parameters: tuple[HelmParameter, ...] = ()
    file_parameters: tuple[tuple[str, str], ...] = ()  # (name, path as value files)
    skip_crds: bool = False
    skip_tests: bool = False
    skip_schema_validation: bool = False
    kube_version: str = ""  # "" → default_kube_version()
    api_versions: tuple[str, ...] = ()
    # Argo CD's build environment ($ARGOCD_APP_NAME, ...), substituted in value file
    # paths and parameter values as the repo-server does.
    env: tuple[tuple[str, str], ...] = ()
    declared_in: str = ""  # the file that declares these options, for errors


@dataclass
class HelmHook:
    """An object helm renders as a hook: not applied as a plain object."""

    object: dict[str, Any]
    events: tuple[str, ...]  # pre-install, post-upgrade, test, ...
    weight: int = 0
    delete_policies: tuple[str, ...] = ()

    @property
    def phases(self) -> tuple[str, ...]:
        """The Argo CD sync phases it runs in (none for test, delete, rollback hooks)."""
        return tuple(dict.fromkeys(ARGO_PHASES[e] for e in self.events if e in ARGO_PHASES))

    @property
    def wave(self) -> int:
        return self.weight


@dataclass
class HelmRender:
    objects: list[dict[str, Any]]
    hooks: list[HelmHook]
    chart: str  # the chart's name
    chart_version: str
    helm_version: str
    command: list[str] = field(default_factory=list)  # with repository paths


def envsubst(text: str, env: dict[str, str]) -> str:
    """Go's os.Expand with Argo CD's mapping: `$NAME` and `${NAME}` of the build
    environment, '' for any other name, `$$` for a dollar."""
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c != "$" or i + 1 >= len(text):
            out.append(c)
            i += 1
            continue
        rest = text[i + 1 :]
        if rest[0] == "{":
            if len(rest) > 1 and rest[1] in "*#$@!?-0123456789" and rest[2:3] == "}":
                name, width = rest[1], 3
            else:
                end = rest.find("}")
                if end <= 1:
                    # Bad syntax: Go eats "${" (and "${}").
                    i += 1 + (2 if end == 1 else 1)
                    continue
                name, width = rest[1:end], end + 1
        elif rest[0] in "*#$@!?-0123456789":
            name, width = rest[0], 1
        else:
            m = re.match(r"[A-Za-z0-9_]+", rest)
            if not m:
                out.append("$")
                i += 1
                continue
            name, width = m.group(0), len(m.group(0))
        out.append("$" if name == "$" else env.get(name, ""))
        i += 1 + width
    return "".join(out)


def clean_set_value(value: str) -> str:
    """As Argo CD passes a parameter to --set: commas escaped (a list `{a,b}` kept)."""
    if value.startswith("{") and value.endswith("}"):
        return value
    return re.sub(r"(?<!\\),", r"\\,", value)


def _is_url(path: str) -> bool:
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", path))


def resolve_repo_file(
    chart: str, raw: str, what: str, declared_in: str, env: dict[str, str]
) -> str:
    """A value file or file parameter as Argo CD resolves it: the build environment
    substituted, relative to the chart folder, or from the repository root when
    absolute; never outside the repository."""
    ref = re.match(r"\$\{?([A-Za-z0-9_]+)", raw)
    if ref and ref.group(1) not in env:
        raise RenderError(
            declared_in or chart,
            f"{what} {raw!r}: values from another source ($ref, multi-source) are not "
            "supported yet",
        )
    raw = envsubst(raw, env)
    if _is_url(raw):
        raise RenderError(
            declared_in or chart, f"{what} {raw!r}: remote value files are not supported yet"
        )
    try:
        return norm(raw) if raw.startswith("/") else norm(posixpath.join(chart, raw))
    except PathOutsideRoot:
        raise RenderError(
            declared_in or chart, f"{what} {raw!r} resolves outside the repository"
        ) from None


# ---- the render ---------------------------------------------------------------------
def is_chart(tree: SourceTree, path: str) -> bool:
    path = norm(path)
    file = posixpath.join(path, CHART_FILE) if path else CHART_FILE
    return tree.exists(file) and not tree.is_dir(file)


def chart_meta(tree: SourceTree, path: str) -> tuple[str, str]:
    """The chart's name and version, from its Chart.yaml."""
    file = posixpath.join(path, CHART_FILE) if path else CHART_FILE
    try:
        data = yaml.load(tree.read(file), Loader=Loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise RenderError(
            file, f"invalid YAML: {getattr(e, 'problem', e)}", mark.line + 1 if mark else None
        ) from None
    if not isinstance(data, dict) or not data.get("name"):
        raise RenderError(file, "a Chart.yaml needs a name", 1)
    return str(data["name"]), str(data.get("version") or "")


@dataclass
class Plan:
    """One helm run: the repository paths it reads, its arguments (paths under `repo/`),
    and the files it is given (values written by us, beside `repo/`)."""

    paths: list[str]
    args: list[str]
    files: dict[str, bytes]  # inline values, written under the run's folder


def argo_plan(tree: SourceTree, path: str, opts: HelmOptions) -> Plan:
    """`helm template` as Argo CD's repo-server invokes it (util/helm/cmd.go)."""
    env = dict(opts.env)
    where = opts.declared_in or path
    paths = [path]
    value_files: list[str] = []
    for raw in opts.value_files:
        file = resolve_repo_file(path, raw, "value file", where, env)
        if not tree.exists(file) or tree.is_dir(file):
            if opts.ignore_missing_value_files:
                continue
            raise RenderError(where, f"value file {raw!r}: {file} does not exist")
        note_read(tree, file)
        tree.read(file)
        value_files.append(file)
    file_params: list[tuple[str, str]] = []
    for name, raw in opts.file_parameters:
        file = resolve_repo_file(path, raw, "fileParameter", where, env)
        if not tree.exists(file) or tree.is_dir(file):
            raise RenderError(where, f"fileParameter {name}: {file} does not exist")
        tree.read(file)
        file_params.append((name, file))
    paths += value_files + [f for _, f in file_params]

    args = ["template", f"repo/{path}" if path else "repo", "--name-template", opts.release_name]
    if opts.namespace:
        args += ["--namespace", opts.namespace]
    args += ["--kube-version", opts.kube_version or default_kube_version()]
    # One value per name (the last), as Argo CD's maps keep them.
    sets = {p.name: p for p in opts.parameters if p.name}
    for p in sets.values():
        if not p.force_string:
            args += ["--set", f"{p.name}={clean_set_value(envsubst(p.value, env))}"]
    for p in sets.values():
        if p.force_string:
            args += ["--set-string", f"{p.name}={clean_set_value(envsubst(p.value, env))}"]
    for name, file in dict(file_params).items():
        args += ["--set-file", f"{name}={clean_set_value('repo/' + file)}"]
    for file in value_files:
        args += ["--values", f"repo/{file}"]
    files: dict[str, bytes] = {}
    if opts.values.strip():
        files["inline-values.yaml"] = opts.values.encode()
        args += ["--values", "inline-values.yaml"]
    for version in opts.api_versions:
        args += ["--api-versions", version]
    if not opts.skip_crds:
        args.append("--include-crds")
    if opts.skip_schema_validation:
        args.append("--skip-schema-validation")
    if opts.skip_tests:
        args.append("--skip-tests")
    return Plan(paths, args, files)


class OutputCache:
    """Renders by helm version, the tree ids of everything copied and the arguments."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self.entries: OrderedDict[tuple, bytes] = OrderedDict()
        self.lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple) -> bytes | None:
        with self.lock:
            out = self.entries.get(key)
            if out is None:
                self.misses += 1
            else:
                self.hits += 1
                self.entries.move_to_end(key)
            return out

    def put(self, key: tuple, out: bytes) -> None:
        with self.lock:
            self.entries[key] = out
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


CACHE = OutputCache()


def template(
    tree: SourceTree, plan: Plan, helm: Helm, label: str, *, cache: OutputCache | None = None
) -> bytes:
    """Run a plan (or reuse its output: same helm, same contents, same arguments)."""
    cache = CACHE if cache is None else cache
    key = (
        helm.path,
        helm.version,
        tuple((p, tree.tree_id(p)) for p in plan.paths),
        tuple(plan.args),
        tuple(sorted(plan.files.items())),
    )
    out = cache.get(key)
    if out is not None:
        return out
    with tempfile.TemporaryDirectory(prefix="gitops-helm-") as tmp:
        work = Path(tmp)
        (work / "repo").mkdir()
        copy_paths(tree, work / "repo", plan.paths)
        for name, data in plan.files.items():
            (work / name).write_bytes(data)
        out = run_helm(helm, plan.args, work, label)
    cache.put(key, out)
    return out


def manifests(out: bytes) -> Iterator[tuple[str, bytes]]:
    """helm template's output as (source template, document) pairs."""
    source = ""
    chunk: list[bytes] = []
    for line in out.splitlines(keepends=True):
        if line.rstrip() == b"---":
            if chunk:
                yield source, b"".join(chunk)
            chunk, source = [], ""
            continue
        if line.startswith(b"# Source: ") and not source:
            source = line[len(b"# Source: ") :].decode(errors="replace").strip()
        chunk.append(line)
    if chunk:
        yield source, b"".join(chunk)


def parse_output(out: bytes, chart_path: str) -> list[dict[str, Any]]:
    """The objects of helm's output; errors name the template in the repository."""
    objects: list[dict[str, Any]] = []
    for source, doc in manifests(out):
        # "<chart>/templates/x.yaml" and "<chart>/charts/sub/templates/x.yaml"
        _, _, rel = source.partition("/")
        file = posixpath.join(chart_path, rel) if rel else (chart_path or ".")
        for obj in load_documents(doc, f"{file} (rendered by helm)"):
            objects.append(obj)
    return objects


def hook_of(obj: dict[str, Any]) -> HelmHook | None:
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    if not isinstance(annotations, dict) or HOOK not in annotations:
        return None
    events = tuple(e.strip().lower() for e in str(annotations[HOOK]).split(",") if e.strip())
    try:
        weight = int(str(annotations.get(HOOK_WEIGHT, "0")).strip() or 0)
    except ValueError:
        weight = 0
    policies = str(annotations.get(HOOK_DELETE_POLICY, ""))
    return HelmHook(
        obj,
        events,
        weight,
        tuple(p.strip() for p in policies.split(",") if p.strip()),
    )


def split_hooks(objects: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[HelmHook]]:
    plain: list[dict[str, Any]] = []
    hooks: list[HelmHook] = []
    for obj in objects:
        hook = hook_of(obj)
        if hook is None:
            plain.append(obj)
        else:
            hooks.append(hook)
    return plain, hooks


def render_chart(
    tree: SourceTree,
    path: str,
    opts: HelmOptions,
    *,
    helm: Helm | None = None,
    cache: OutputCache | None = None,
) -> HelmRender:
    """The objects and hooks of the chart folder `path` (repo-relative), as Argo CD
    renders an Application whose source is that folder."""
    path = norm(path)
    if not is_chart(tree, path):
        raise RenderError(path or ".", f"no {CHART_FILE} here: not a Helm chart")
    name, version = chart_meta(tree, path)
    if not opts.release_name:
        raise RenderError(opts.declared_in or path, "a Helm release needs a name")
    helm = helm or find_helm()
    note_read(tree, path)
    tree.is_dir(path)  # a probe: a render cache keyed by what was looked at sees the chart
    plan = argo_plan(tree, path, opts)
    out = template(tree, plan, helm, opts.declared_in or path, cache=cache)
    objects, hooks = split_hooks(parse_output(out, path))
    return HelmRender(
        objects=objects,
        hooks=hooks,
        chart=name,
        chart_version=version,
        helm_version=helm.version,
        command=["helm", *plan.args],
    )
