"""Find the applications a repository declares: Argo CD Applications, Flux
Kustomizations (with their GitRepository), and an optional gitops-tui.yaml."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..errors import SourceError
from ..redact import strip_credentials
from ..render.kustomize.load import Loader
from ..render.plain import MANIFEST_SUFFIXES
from ..source import PathOutsideRoot, SourceTree, norm
from .model import App, IgnoreRule

CONFIG_FILE = "gitops-tui.yaml"
ARGO_GROUP = "argoproj.io/"
FLUX_KUSTOMIZE = "kustomize.toolkit.fluxcd.io/"
FLUX_SOURCE = "source.toolkit.fluxcd.io/"
IN_CLUSTER = {"https://kubernetes.default.svc", "in-cluster", None, ""}
# Directories that never hold app declarations, skipped for speed.
SKIP_DIRS = {".git", "node_modules", "vendor", ".github"}


@dataclass
class Found:
    apps: list[App] = field(default_factory=list)
    errors: list[SourceError] = field(default_factory=list)


@dataclass
class _Doc:
    file: str
    line: int
    body: dict[str, Any]


def _walk(tree: SourceTree, path: str = "") -> list[str]:
    out: list[str] = []
    for e in tree.listdir(path):
        child = norm(posixpath.join(path, e.name))
        if e.is_dir:
            if e.name not in SKIP_DIRS:
                out.extend(_walk(tree, child))
        elif e.name.endswith(MANIFEST_SUFFIXES):
            out.append(child)
    return out


def _documents(tree: SourceTree, file: str, errors: list[SourceError]) -> list[_Doc]:
    data = tree.read(file)
    # Only files that may declare apps are parsed: a broken template elsewhere is the
    # renderer's business, not discovery's.
    if b"argoproj.io" not in data and b"toolkit.fluxcd.io" not in data:
        return []
    try:
        nodes = list(yaml.compose_all(data, Loader=Loader))
        docs = list(yaml.load_all(data, Loader=Loader))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or str(e)
        errors.append(
            SourceError(file, f"invalid YAML: {problem}", mark.line + 1 if mark else None)
        )
        return []
    lines = [n.start_mark.line + 1 for n in nodes if n is not None]
    bodies = [d for d in docs if d is not None]
    return [
        _Doc(file, line, d) for line, d in zip(lines, bodies, strict=False) if isinstance(d, dict)
    ]


def _get(d: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(d, dict):
            return None
        d = d.get(k)
    return d


def _app_path(
    raw: Any, name: Any, file: str, line: int | None, errors: list[SourceError]
) -> str | None:
    """An app's path from the repository root; None (and an error) when it leaves it."""
    try:
        return norm(str(raw))
    except PathOutsideRoot:
        errors.append(
            SourceError(file, f"app {name}: path {raw!r} is outside the repository", line)
        )
        return None


def _shown_url(value: Any) -> str | None:
    """A source's repository URL as kept and shown: an Application may carry a token."""
    return strip_credentials(str(value)) if value not in (None, "") else None


def _unknown(obj: Any, known: set[str], prefix: str) -> list[str]:
    if not isinstance(obj, dict):
        return []
    return [f"{prefix}{k} is not supported and is ignored" for k in obj if k not in known]


def _argo(doc: _Doc, errors: list[SourceError]) -> App | None:
    body = doc.body
    name = _get(body, "metadata", "name")
    spec = body.get("spec") or {}
    if not name:
        errors.append(SourceError(doc.file, "Application has no metadata.name", doc.line))
        return None
    warnings = _unknown(
        spec, {"source", "destination", "syncPolicy", "project", "ignoreDifferences"}, "spec."
    )
    ignore = _ignore_differences(spec.get("ignoreDifferences"), warnings)
    source = spec.get("source")
    if source is None and "sources" in spec:
        errors.append(
            SourceError(
                doc.file,
                f"Application {name}: spec.sources (multi-source) is not supported",
                doc.line,
            )
        )
        return None
    source = source or {}
    path = source.get("path")
    if path is None:
        what = "a Helm chart source" if "chart" in source else "no spec.source.path"
        errors.append(
            SourceError(doc.file, f"Application {name}: {what} is not supported", doc.line)
        )
        return None
    warnings += _unknown(
        source,
        {"repoURL", "path", "targetRevision", "kustomize", "directory"},
        "spec.source.",
    )
    kustomize = source.get("kustomize") or {}
    warnings += _unknown(kustomize, {"images"}, "spec.source.kustomize.")
    directory = source.get("directory") or {}
    warnings += _unknown(directory, {"recurse"}, "spec.source.directory.")
    dest = spec.get("destination") or {}
    warnings += _unknown(dest, {"server", "name", "namespace"}, "spec.destination.")
    server = dest.get("server") or dest.get("name")  # checked against the cluster on connect
    policy = spec.get("syncPolicy") or {}
    warnings += _unknown(policy, {"automated", "syncOptions"}, "spec.syncPolicy.")
    automated = policy.get("automated")
    auto = automated is not None and _get(automated, "enabled") is not False
    warnings += _unknown(
        automated, {"prune", "selfHeal", "allowEmpty", "enabled"}, "spec.syncPolicy.automated."
    )
    options = {}
    for opt in policy.get("syncOptions") or []:
        k, _, v = str(opt).partition("=")
        options[k] = v.lower() == "true"
        if k not in {"CreateNamespace", "ServerSideApply"}:
            warnings.append(f"spec.syncPolicy.syncOptions {opt} is not supported and is ignored")
    revision = source.get("targetRevision")
    app_path = _app_path(path, name, doc.file, doc.line, errors)
    if app_path is None:
        return None
    return App(
        name=str(name),
        path=app_path,
        source_kind="argocd",
        declared_in=doc.file,
        namespace=dest.get("namespace"),
        target_revision=None if revision in (None, "", "HEAD") else str(revision),
        repo_url=_shown_url(source.get("repoURL")),
        server=server,
        prune=auto and bool(_get(automated, "prune")),
        self_heal=auto and bool(_get(automated, "selfHeal")),
        auto_sync=auto,
        allow_empty=bool(_get(automated, "allowEmpty")),
        create_namespace=options.get("CreateNamespace", False),
        recurse=bool(directory.get("recurse")),
        images=[str(i) for i in kustomize.get("images") or []],
        ignore_differences=ignore,
        warnings=warnings,
    )


def _ignore_differences(entries: Any, warnings: list[str]) -> list[IgnoreRule]:
    """spec.ignoreDifferences: JSON pointers per group/kind(/name/namespace). jq paths
    and managedFieldsManagers are named in a warning rather than silently dropped."""
    rules = []
    for i, entry in enumerate(entries or []):
        where = f"ignoreDifferences[{i}]"
        if not isinstance(entry, dict) or not entry.get("kind"):
            warnings.append(f"{where} has no kind and is ignored")
            continue
        warnings += _unknown(
            entry, {"group", "kind", "name", "namespace", "jsonPointers"}, f"{where}."
        )
        pointers = [str(p) for p in entry.get("jsonPointers") or []]
        bad = [p for p in pointers if p and not p.startswith("/")]
        warnings += [
            f"{where}.jsonPointers {p!r} is not a JSON pointer and is ignored" for p in bad
        ]
        rules.append(
            IgnoreRule(
                kind=str(entry["kind"]),
                group=str(entry.get("group") or ""),
                name=entry.get("name"),
                namespace=entry.get("namespace"),
                pointers=tuple(p for p in pointers if p not in bad),
            )
        )
    return rules


def _flux(doc: _Doc, sources: dict[tuple[str, str], _Doc], errors: list[SourceError]) -> App | None:
    body = doc.body
    name = _get(body, "metadata", "name")
    spec = body.get("spec") or {}
    if not name:
        errors.append(SourceError(doc.file, "Kustomization has no metadata.name", doc.line))
        return None
    warnings = _unknown(
        spec,
        {
            "path",
            "prune",
            "suspend",
            "targetNamespace",
            "interval",
            "sourceRef",
            "retryInterval",
            "timeout",
            "wait",
            "force",
        },
        "spec.",
    )
    ref = spec.get("sourceRef") or {}
    revision = repo_url = None
    if ref.get("kind", "GitRepository") != "GitRepository":
        warnings.append(
            f"spec.sourceRef.kind {ref.get('kind')} is not supported; reading this repository"
        )
    else:
        ns = ref.get("namespace") or _get(body, "metadata", "namespace") or "flux-system"
        src = sources.get((ns, str(ref.get("name")))) or next(
            (s for (_, n), s in sources.items() if n == ref.get("name")), None
        )
        if src is None:
            warnings.append(
                f"GitRepository {ref.get('name')} not found; reading this repository's branch"
            )
        else:
            repo_url = _get(src.body, "spec", "url")
            git_ref = _get(src.body, "spec", "ref") or {}
            revision = git_ref.get("commit") or git_ref.get("tag") or git_ref.get("branch")
    suspend = bool(spec.get("suspend"))
    app_path = _app_path(spec.get("path") or "", name, doc.file, doc.line, errors)
    if app_path is None:
        return None
    return App(
        name=str(name),
        path=app_path,
        source_kind="flux",
        declared_in=doc.file,
        namespace=spec.get("targetNamespace"),
        force_namespace=bool(spec.get("targetNamespace")),
        target_revision=revision,
        repo_url=_shown_url(repo_url),
        prune=bool(spec.get("prune")),
        # Flux always corrects drift on every interval; suspend stops all of it.
        self_heal=True,
        auto_sync=True,
        suspend=suspend,
        create_namespace=False,
        # Flux generates a kustomization of every manifest below the path.
        recurse=True,
        interval=spec.get("interval"),
        warnings=warnings,
    )


def _config(tree: SourceTree, errors: list[SourceError]) -> list[App]:
    if not tree.exists(CONFIG_FILE):
        return []
    data = tree.read(CONFIG_FILE)
    try:
        node = yaml.compose(data, Loader=Loader)
        body = yaml.load(data, Loader=Loader) or {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        errors.append(
            SourceError(
                CONFIG_FILE,
                f"invalid YAML: {getattr(e, 'problem', e)}",
                mark.line + 1 if mark else None,
            )
        )
        return []
    items = body.get("apps") if isinstance(body, dict) else None
    if not isinstance(items, list):
        errors.append(SourceError(CONFIG_FILE, "expected a top-level `apps:` list", 1))
        return []
    lines: list[int] = []
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == "apps" and isinstance(v, yaml.SequenceNode):
                lines = [n.start_mark.line + 1 for n in v.value]
    known = {
        "name",
        "path",
        "namespace",
        "context",
        "prune",
        "selfHeal",
        "autoSync",
        "allowEmpty",
        "createNamespace",
        "targetRevision",
        "recurse",
        "ignoreDifferences",
    }
    apps = []
    for i, item in enumerate(items):
        line = lines[i] if i < len(lines) else None
        if not isinstance(item, dict) or not item.get("name") or item.get("path") is None:
            errors.append(SourceError(CONFIG_FILE, "each app needs a name and a path", line))
            continue
        self_heal = bool(item.get("selfHeal", False))
        warnings = [f"{k} is not supported and is ignored" for k in item if k not in known]
        ignore = _ignore_differences(item.get("ignoreDifferences"), warnings)
        app_path = _app_path(item["path"], item["name"], CONFIG_FILE, line, errors)
        if app_path is None:
            continue
        apps.append(
            App(
                name=str(item["name"]),
                path=app_path,
                source_kind="gitops-tui",
                declared_in=CONFIG_FILE,
                namespace=item.get("namespace"),
                context=item.get("context"),
                target_revision=item.get("targetRevision"),
                prune=bool(item.get("prune", False)),
                self_heal=self_heal,
                auto_sync=bool(item.get("autoSync", self_heal)),
                allow_empty=bool(item.get("allowEmpty", False)),
                create_namespace=bool(item.get("createNamespace", False)),
                recurse=bool(item.get("recurse", False)),
                ignore_differences=ignore,
                warnings=warnings,
            )
        )
    return apps


def discover(tree: SourceTree) -> Found:
    found = Found()
    apps: list[App] = _config(tree, found.errors)
    docs = [d for f in _walk(tree) for d in _documents(tree, f, found.errors)]
    sources = {
        (
            _get(d.body, "metadata", "namespace") or "flux-system",
            str(_get(d.body, "metadata", "name")),
        ): d
        for d in docs
        if str(d.body.get("apiVersion", "")).startswith(FLUX_SOURCE)
        and d.body.get("kind") == "GitRepository"
    }
    for d in docs:
        api, kind = str(d.body.get("apiVersion", "")), d.body.get("kind")
        if api.startswith(ARGO_GROUP) and kind == "Application":
            app = _argo(d, found.errors)
        elif api.startswith(FLUX_KUSTOMIZE) and kind == "Kustomization":
            app = _flux(d, sources, found.errors)
        else:
            continue
        if app is not None:
            apps.append(app)
    seen: dict[str, App] = {}
    for app in apps:
        if app.name in seen:
            found.errors.append(
                SourceError(
                    app.declared_in,
                    f"app {app.name} is also declared in {seen[app.name].declared_in}",
                )
            )
            continue
        seen[app.name] = app
    found.apps = sorted(seen.values(), key=lambda a: a.name)
    return found
