"""Find the applications a repository declares: Argo CD Applications, Flux
Kustomizations (with their GitRepository), and an optional gitops-tui.yaml."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..errors import GitOpsError, SourceError, unexpected
from ..redact import strip_credentials
from ..render.helm_repo import ChartSource
from ..render.kustomize.load import Loader
from ..render.kustomize.shapes import (
    STRINGS,
    Any_,
    Bool,
    List,
    Map,
    Shape,
    ShapeError,
    Str,
    type_name,
)
from ..render.nesting import NestingError, depth
from ..render.plain import MANIFEST_SUFFIXES
from ..source import PathOutsideRoot, SourceTree, norm
from .helm_source import HELM, HelmSpecError, parse_helm
from .model import App, IgnoreRule, name_problem

CONFIG_FILE = "gitops-tui.yaml"
ARGO_GROUP = "argoproj.io/"
FLUX_KUSTOMIZE = "kustomize.toolkit.fluxcd.io/"
FLUX_SOURCE = "source.toolkit.fluxcd.io/"
IN_CLUSTER = {"https://kubernetes.default.svc", "in-cluster", None, ""}
# Directories that never hold app declarations, skipped for speed.
SKIP_DIRS = {".git", "node_modules", "vendor", ".github"}

# The fields discovery reads, with the shape Argo CD, Flux and gitops-tui.yaml give
# them: `prune: "false"` must not read as true, nor `path: [a]` fail far away.
METADATA = Map({"name": Str(), "namespace": Str()})
ARGO = Map(
    {
        "metadata": METADATA,
        "spec": Map(
            {
                "project": Str(),
                "source": Map(
                    {
                        "repoURL": Str(),
                        "path": Str(),
                        "chart": Str(),
                        "targetRevision": Str(),
                        "kustomize": Map({"images": STRINGS}),
                        "directory": Map({"recurse": Bool()}),
                        "helm": HELM,
                    }
                ),
                "sources": List(Any_()),
                "destination": Map({"server": Str(), "name": Str(), "namespace": Str()}),
                "syncPolicy": Map(
                    {
                        "automated": Map(
                            {k: Bool() for k in ("prune", "selfHeal", "allowEmpty", "enabled")}
                        ),
                        "syncOptions": STRINGS,
                    }
                ),
                "ignoreDifferences": List(Any_()),
            }
        ),
    }
)
FLUX = Map(
    {
        "metadata": METADATA,
        "spec": Map(
            {
                "path": Str(),
                "prune": Bool(),
                "suspend": Bool(),
                "wait": Bool(),
                "force": Bool(),
                "targetNamespace": Str(),
                "interval": Str(),
                "sourceRef": Map({"kind": Str(), "name": Str(), "namespace": Str()}),
            }
        ),
    }
)
GIT_REPOSITORY = Map(
    {
        "metadata": METADATA,
        "spec": Map(
            {"url": Str(), "ref": Map({k: Str() for k in ("branch", "tag", "commit", "semver")})}
        ),
    }
)
CONFIG_APP = Map(
    {
        **{k: Str() for k in ("name", "path", "namespace", "context", "targetRevision")},
        **{
            k: Bool()
            for k in ("prune", "selfHeal", "autoSync", "allowEmpty", "createNamespace", "recurse")
        },
        "ignoreDifferences": List(Any_()),
        "helm": HELM,
    }
)


def _problem(value: object, shape: Shape) -> str | None:
    """What is wrong with a declaration's fields, or None."""
    try:
        shape.check(value, "")
    except ShapeError as e:
        return str(e).lstrip(".")
    return None


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
    """Manifest files below path, depth first in name order. A loop, not recursion:
    a repository may nest directories deeper than Python's recursion limit."""
    out: list[str] = []
    stack = [(path, iter(tree.listdir(path)))]
    while stack:
        base, entries = stack[-1]
        e = next(entries, None)
        if e is None:
            stack.pop()
            continue
        child = norm(posixpath.join(base, e.name))
        if e.is_dir:
            if e.name not in SKIP_DIRS:
                stack.append((child, iter(tree.listdir(child))))
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
    out = []
    for line, d in zip(lines, bodies, strict=False):
        try:
            depth(d)
        except NestingError as e:
            errors.append(SourceError(file, str(e), line))
            continue
        if isinstance(d, dict):
            out.append(_Doc(file, line, d))
    return out


def _s(v: Any) -> str | None:
    """An optional scalar field as the string it names (`targetRevision: 1.0`)."""
    return None if v is None else str(v)


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


def _name(doc: _Doc, kind: str, errors: list[SourceError]) -> str | None:
    """The declared app's name; without one that can be read, a discovery error."""
    meta = doc.body.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    if name is None or name == "":
        errors.append(SourceError(doc.file, f"{kind} has no metadata.name", doc.line))
        return None
    if isinstance(name, dict | list | bytes):
        what = f"{kind} metadata.name must be a string, got {type_name(name)}"
        errors.append(SourceError(doc.file, what, doc.line))
        return None
    return str(name)


def _broken(name: str, kind: str, file: str, line: int | None, message: str) -> App:
    """An app that is shown with its error and never rendered, synced or pruned."""
    return App(
        name=name,
        path="",
        source_kind=kind,
        declared_in=file,
        error=str(SourceError(file, message, line)),
    )


def _named(app: App, line: int | None) -> App:
    """The app, with its name's problem as its error."""
    if not app.error and (why := name_problem(app.name)):
        app.error = str(SourceError(app.declared_in, why, line))
    return app


def _argo(doc: _Doc, errors: list[SourceError]) -> App | None:
    body = doc.body
    name = _name(doc, "Application", errors)
    if name is None:
        return None
    if bad := _problem(body, ARGO):
        return _broken(name, "argocd", doc.file, doc.line, f"Application {name}: {bad}")
    spec = body.get("spec") or {}
    warnings = _unknown(
        spec, {"source", "destination", "syncPolicy", "project", "ignoreDifferences"}, "spec."
    )
    ignore = _ignore_differences(spec.get("ignoreDifferences"), warnings)
    source = spec.get("source")
    if source is None and "sources" in spec:
        why = f"Application {name}: spec.sources (multi-source) is not supported"
        return _broken(name, "argocd", doc.file, doc.line, why)
    source = source or {}
    path = source.get("path")
    chart = None
    if "chart" in source:
        if not source.get("repoURL") or not source.get("chart"):
            why = (
                f"Application {name}: spec.source.chart needs a chart name and "
                "spec.source.repoURL (the Helm repository)"
            )
            return _broken(name, "argocd", doc.file, doc.line, why)
        chart = ChartSource(
            str(source["repoURL"]), str(source["chart"]), str(source.get("targetRevision") or "")
        )
        if path is not None:
            warnings.append("spec.source.path is not used with spec.source.chart")
        # The chart renders from its repository; history follows the declaration.
        path = doc.file
    if path is None:
        why = f"Application {name}: no spec.source.path is not supported"
        return _broken(name, "argocd", doc.file, doc.line, why)
    warnings += _unknown(
        source,
        {"repoURL", "path", "targetRevision", "kustomize", "directory", "helm", "chart"},
        "spec.source.",
    )
    try:
        helm = parse_helm(source.get("helm"), "spec.source.helm", warnings)
    except HelmSpecError as e:
        return _broken(name, "argocd", doc.file, doc.line, f"Application {name}: {e}")
    kustomize = source.get("kustomize") or {}
    warnings += _unknown(kustomize, {"images"}, "spec.source.kustomize.")
    directory = source.get("directory") or {}
    warnings += _unknown(directory, {"recurse"}, "spec.source.directory.")
    dest = spec.get("destination") or {}
    warnings += _unknown(dest, {"server", "name", "namespace"}, "spec.destination.")
    server = _s(dest.get("server") or dest.get("name"))  # checked against the cluster on connect
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
        namespace=_s(dest.get("namespace")),
        # A chart's targetRevision is its version: the declaration is read at the branch.
        target_revision=None if chart or revision in (None, "", "HEAD") else str(revision),
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
        helm=helm,
        chart=chart,
    )


IGNORE_RULE = Map(
    {**{k: Str() for k in ("group", "kind", "name", "namespace")}, "jsonPointers": STRINGS}
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
        if bad := _problem(entry, IGNORE_RULE):
            warnings.append(f"{where}: {bad}; the entry is ignored")
            continue
        pointers = [str(p) for p in entry.get("jsonPointers") or []]
        bad = [p for p in pointers if p and not p.startswith("/")]
        warnings += [
            f"{where}.jsonPointers {p!r} is not a JSON pointer and is ignored" for p in bad
        ]
        rules.append(
            IgnoreRule(
                kind=str(entry["kind"]),
                group=str(entry.get("group") or ""),
                name=None if entry.get("name") is None else str(entry["name"]),
                namespace=None if entry.get("namespace") is None else str(entry["namespace"]),
                pointers=tuple(p for p in pointers if p not in bad),
            )
        )
    return rules


def _flux(doc: _Doc, sources: dict[tuple[str, str], _Doc], errors: list[SourceError]) -> App | None:
    body = doc.body
    name = _name(doc, "Kustomization", errors)
    if name is None:
        return None
    if bad := _problem(body, FLUX):
        return _broken(name, "flux", doc.file, doc.line, f"Kustomization {name}: {bad}")
    spec = body.get("spec") or {}
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
        ns = str(ref.get("namespace") or _get(body, "metadata", "namespace") or "flux-system")
        src = sources.get((ns, str(ref.get("name")))) or next(
            (s for (_, n), s in sources.items() if n == str(ref.get("name"))), None
        )
        if src is None:
            warnings.append(
                f"GitRepository {ref.get('name')} not found; reading this repository's branch"
            )
        elif bad := _problem(src.body, GIT_REPOSITORY):
            why = f"Kustomization {name}: its GitRepository ({src.file}:{src.line}): {bad}"
            return _broken(name, "flux", doc.file, doc.line, why)
        else:
            repo_url = _s(_get(src.body, "spec", "url"))
            git_ref = _get(src.body, "spec", "ref") or {}
            revision = _s(git_ref.get("commit") or git_ref.get("tag") or git_ref.get("branch"))
    suspend = bool(spec.get("suspend"))
    app_path = _app_path(spec.get("path") or "", name, doc.file, doc.line, errors)
    if app_path is None:
        return None
    return App(
        name=str(name),
        path=app_path,
        source_kind="flux",
        declared_in=doc.file,
        namespace=_s(spec.get("targetNamespace")),
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
        interval=_s(spec.get("interval")),
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
    try:
        depth(body)
    except NestingError as e:
        errors.append(SourceError(CONFIG_FILE, str(e), 1))
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
    apps = []
    for i, item in enumerate(items):
        line = lines[i] if i < len(lines) else None
        if not isinstance(item, dict) or not item.get("name") or item.get("path") is None:
            errors.append(SourceError(CONFIG_FILE, "each app needs a name and a path", line))
            continue
        if isinstance(item["name"], dict | list | bytes):
            what = f"an app's name must be a string, got {type_name(item['name'])}"
            errors.append(SourceError(CONFIG_FILE, what, line))
            continue
        name = str(item["name"])
        if bad := _problem(item, CONFIG_APP):
            apps.append(_broken(name, "gitops-tui", CONFIG_FILE, line, f"app {name}: {bad}"))
            continue
        self_heal = bool(item.get("selfHeal", False))
        warnings = [
            f"{k} is not supported and is ignored" for k in item if k not in CONFIG_APP.fields
        ]
        ignore = _ignore_differences(item.get("ignoreDifferences"), warnings)
        app_path = _app_path(item["path"], name, CONFIG_FILE, line, errors)
        if app_path is None:
            continue
        try:
            helm = parse_helm(item.get("helm"), "helm", warnings)
        except HelmSpecError as e:
            apps.append(_broken(name, "gitops-tui", CONFIG_FILE, line, f"app {name}: {e}"))
            continue
        app = App(
            name=name,
            path=app_path,
            source_kind="gitops-tui",
            declared_in=CONFIG_FILE,
            namespace=_s(item.get("namespace")),
            context=_s(item.get("context")),
            target_revision=_s(item.get("targetRevision")),
            prune=bool(item.get("prune", False)),
            self_heal=self_heal,
            auto_sync=bool(item.get("autoSync", self_heal)),
            allow_empty=bool(item.get("allowEmpty", False)),
            create_namespace=bool(item.get("createNamespace", False)),
            recurse=bool(item.get("recurse", False)),
            ignore_differences=ignore,
            warnings=warnings,
            helm=helm,
        )
        apps.append(_named(app, line))
    return apps


def _declared(
    d: _Doc, sources: dict[tuple[str, str], _Doc], errors: list[SourceError]
) -> App | None:
    api, kind = str(d.body.get("apiVersion", "")), d.body.get("kind")
    if api.startswith(ARGO_GROUP) and kind == "Application":
        app = _argo(d, errors)
    elif api.startswith(FLUX_KUSTOMIZE) and kind == "Kustomization":
        app = _flux(d, sources, errors)
    else:
        return None
    return _named(app, d.line) if app is not None else None


def discover(tree: SourceTree) -> Found:
    """Every app the tree declares. A declaration that cannot be read is an error of its
    own (in `errors`, or on the app when its name is known); the others are found all
    the same, whatever the broken one holds."""
    found = Found()
    try:
        apps: list[App] = _config(tree, found.errors)
    except GitOpsError:
        raise
    except Exception as e:  # a bug meeting an input nobody foresaw: this file's error
        found.errors.append(unexpected(e, CONFIG_FILE))
        apps = []
    docs: list[_Doc] = []
    for f in _walk(tree):
        try:
            docs += _documents(tree, f, found.errors)
        except Exception as e:
            found.errors.append(unexpected(e, f))
    sources = {
        (
            str(_get(d.body, "metadata", "namespace") or "flux-system"),
            str(_get(d.body, "metadata", "name")),
        ): d
        for d in docs
        if str(d.body.get("apiVersion", "")).startswith(FLUX_SOURCE)
        and d.body.get("kind") == "GitRepository"
    }
    for d in docs:
        try:
            app = _declared(d, sources, found.errors)
        except Exception as e:
            found.errors.append(unexpected(e, d.file, d.line))
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
