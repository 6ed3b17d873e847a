"""The one service API that the TUI, the CLI and the daemon all call.

It owns the private Git clone, app discovery, rendering (cached by Git tree ids) and
the reconcile engine. Methods block on I/O: the TUI calls them from worker threads.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from kubernetes.client import ApiException

from gitops_tui.apps import discover
from gitops_tui.apps.discover import IN_CLUSTER
from gitops_tui.apps.model import App
from gitops_tui.audit import AuditLog, AuditRecord, operator_identity
from gitops_tui.cluster.client import ClusterInfo, connect, server_version
from gitops_tui.config import Settings
from gitops_tui.diff import diff_extra, diff_object
from gitops_tui.errors import GitOpsError, RenderError, SourceError, unexpected
from gitops_tui.git import history as git_history
from gitops_tui.git import revert as git_revert
from gitops_tui.git.repo import GitRepo
from gitops_tui.model import ObjectRef
from gitops_tui.reconcile.engine import Desired, Engine, SyncReport, ignored_paths
from gitops_tui.reconcile.state import StateStore
from gitops_tui.render import Rendered, Renderer, is_kustomize
from gitops_tui.render.helm import (
    CHART_FILE,
    HelmOptions,
    default_kube_version,
    find_helm,
    is_chart,
)
from gitops_tui.render.helm_repo import pull_chart
from gitops_tui.render.images import with_images
from gitops_tui.render.kustomize.load import load_documents
from gitops_tui.render.plain import manifest_files
from gitops_tui.secrets.cert import ControllerCert, open_cert
from gitops_tui.secrets.commit import blob_id, commit_sealed_secret
from gitops_tui.secrets.edit import SecretEdit, SecretFile
from gitops_tui.secrets.keys import keys_from_cluster

# Kinds that never take a namespace, for when discovery cannot tell (unknown kinds).
CLUSTER_SCOPED = {
    "Namespace",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleBinding",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "IngressClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
}


@dataclass(frozen=True)
class Head:
    branch: str
    sha: str
    subject: str

    @property
    def short(self) -> str:
        return self.sha[:8]


@dataclass
class Discovered:
    apps: list[App]
    errors: list[SourceError]
    head: Head


def elsewhere(app: App, info: ClusterInfo) -> str:
    """Why an app belongs to another cluster than the one we are connected to (it is
    shown, never applied), or "" when it is this cluster's."""
    if app.context and app.context != info.context:
        return (
            f"declared for context {app.context!r}, connected to {info.context!r}: "
            "not managed from here"
        )
    server = app.server
    ours = {info.context, info.server.rstrip("/")}  # Argo names a cluster or its URL
    if server not in IN_CLUSTER and str(server).rstrip("/") not in ours:
        return f"destination {server!r} is not this cluster ({info.server}): not managed from here"
    return ""


class Service:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._repo: GitRepo | None = None
        self._repo_lock = threading.Lock()
        self._api = None
        self._cluster: ClusterInfo | None = None
        self.engine: Engine | None = None
        self._apps: dict[str, App] = {}
        # What kept apps from being found at the branch head (a broken gitops-tui.yaml,
        # an Application without a path): those apps are not managed until it is fixed.
        self.discovery_errors: list[SourceError] = []
        self.renderer = Renderer(
            allow_remote=settings.allow_remote_resources, helm_path=settings.helm
        )
        self._api_versions: tuple[float, tuple[str, ...]] | None = None
        self.audit = AuditLog(settings.cache_path / "audit.jsonl")

    # ---- Git --------------------------------------------------------------------
    @property
    def repo(self) -> GitRepo:
        with self._repo_lock:
            if self._repo is None:
                self._repo = GitRepo.open(
                    self.settings.repo, self.settings.cache_path / "repos", self.settings.branch
                )
            return self._repo

    def fetch(self) -> str:
        return self.repo.fetch()

    def head(self) -> Head:
        repo = self.repo
        sha = repo.resolve(repo.branch)
        return Head(repo.branch, sha, repo.commit_subject(sha))

    def apps(self, revision: str | None = None) -> Discovered:
        head = self.head()
        found = discover(self.repo.tree(revision or head.sha))
        self._apps = {a.name: a for a in found.apps}
        if revision is None:
            self.discovery_errors = list(found.errors)
        return Discovered(found.apps, found.errors, head)

    def app(self, name: str) -> App:
        if not self._apps:
            self.apps()
        if name not in self._apps:
            have = ", ".join(sorted(self._apps)) or "none"
            raise GitOpsError(f"no app named {name!r} (apps: {have})")
        return self._apps[name]

    def render(self, app: App, revision: str | None = None) -> list[dict]:
        """The app's objects at a revision (default: its target revision's head)."""
        rev = self.repo.resolve(revision or app.target_revision or self.repo.branch)
        return self._render(app, rev)

    def _render(self, app: App, revision: str) -> list[dict]:
        return self._render_tree(app, self.repo.tree(revision), revision)

    def _render_tree(self, app: App, tree, revision: str = "") -> list[dict]:
        return self._rendered(app, tree, revision).objects

    def _rendered(self, app: App, tree, revision: str = "") -> Rendered:
        """The app's objects and hooks in tree. Whatever goes wrong is a GitOpsError of
        this app: an exception nobody foresaw included, so that it never stops the others."""
        if app.error:
            raise GitOpsError(app.error)  # never rendered, so never synced
        try:
            if app.chart is not None:
                return self._rendered_chart(app, revision)
            tree = with_images(tree, app.path, app.images)
            rendered = self.renderer.render(
                tree,
                app.path,
                recurse=app.recurse,
                key=tuple(app.images),
                helm=self._helm_options(app, revision, tree, app.path),
            )
            # History and change detection follow every path the app reads, bases too.
            app.source_paths = list(dict.fromkeys([app.path, *rendered.read_paths]))
            return self._finish(app, rendered)
        except GitOpsError:
            raise
        except Exception as e:
            raise unexpected(e, app.path or ".") from e

    def _rendered_chart(self, app: App, revision: str) -> Rendered:
        """A chart from a Helm repository, pulled into the cache (an exact version once)."""
        assert app.chart is not None
        try:
            helm = find_helm(self.settings.helm)
        except RenderError as e:
            raise RenderError(app.declared_in, e.message) from None
        tree, path = pull_chart(
            app.chart,
            helm,
            declared_in=app.declared_in,
            allow_remote=self.settings.allow_remote_resources,
            cache=self.settings.cache_path / "helm-charts",
        )
        rendered = self.renderer.render(
            tree, path, helm=self._helm_options(app, revision, tree, path)
        )
        app.source_paths = [app.declared_in]  # a new version is a change to the declaration
        return self._finish(app, rendered)

    def _finish(self, app: App, rendered: Rendered) -> Rendered:
        app.render_warnings = rendered.warnings
        app.rendered_chart = rendered.chart
        rendered.objects = [self._place(app, o) for o in rendered.objects]
        for hook in rendered.hooks:
            self._place(app, hook.object)
        return rendered

    # ---- Helm -----------------------------------------------------------------------
    def _helm_options(self, app: App, revision: str, tree, path: str) -> HelmOptions | None:
        """The app's helm options completed as Argo CD completes them: the release is
        the app, in its destination namespace, for the cluster's Kubernetes version and
        API versions (our local version when no cluster answered yet)."""
        if app.helm is None:
            return None
        declared = app.helm
        if not is_chart(tree, path) or is_kustomize(tree, path):
            if declared != HelmOptions():
                # Argo CD would run helm on it, and fail: never render it another way.
                raise RenderError(
                    app.declared_in,
                    f"app {app.name}: helm options are set but {path or '.'} is not "
                    f"a Helm chart (no {CHART_FILE}, or a kustomization)",
                )
            return declared  # only hooks are set apart: the cluster is not asked
        kube = declared.kube_version or self._kube_version()
        apis = declared.api_versions or self._cluster_api_versions()
        opts = replace(
            declared,
            release_name=declared.release_name or app.name,
            namespace=declared.namespace or app.namespace or "",
            kube_version=kube,
            api_versions=apis,
            declared_in=app.declared_in,
        )
        if _uses_build_env(opts):
            # Only then: the revision in the options would re-render at every commit.
            env = {
                "ARGOCD_APP_NAME": app.name,
                "ARGOCD_APP_NAMESPACE": app.namespace or "",
                "ARGOCD_APP_REVISION": revision,
                "ARGOCD_APP_REVISION_SHORT": revision[:7],
                "ARGOCD_APP_REVISION_SHORT_8": revision[:8],
                "ARGOCD_APP_SOURCE_PATH": "" if app.chart else app.path,
                "ARGOCD_APP_SOURCE_REPO_URL": app.repo_url or "",
                "ARGOCD_APP_SOURCE_TARGET_REVISION": app.target_revision or "",
                "KUBE_VERSION": kube.lstrip("v").split("+")[0],
                "KUBE_API_VERSIONS": ",".join(apis),
            }
            opts = replace(opts, env=tuple(env.items()))
        return opts

    def _kube_version(self) -> str:
        if self._cluster is not None and self._cluster.version != "unknown":
            return self._cluster.version
        return default_kube_version()

    def _cluster_api_versions(self) -> tuple[str, ...]:
        """What the connected cluster serves (group/version and group/version/Kind), as
        Argo CD passes --api-versions; read once a minute at most."""
        if self.engine is None:
            return ()
        now = time.monotonic()
        if self._api_versions is None or now - self._api_versions[0] > 60:
            try:
                versions = tuple(self.engine.discovery.api_versions())
            except (GitOpsError, ApiException):
                return self._api_versions[1] if self._api_versions else ()
            self._api_versions = (now, versions)
        return self._api_versions[1]

    def _place(self, app: App, obj: dict) -> dict:
        # As Argo CD and Flux do: namespaced objects without one go to the destination.
        meta = obj.setdefault("metadata", {})
        if not app.namespace or obj.get("kind") in CLUSTER_SCOPED:
            return obj
        if meta.get("namespace") and not app.force_namespace:
            return obj
        if self.engine is not None:
            try:
                res = self.engine.discovery.resource(obj["apiVersion"], obj["kind"])
                if not res.namespaced:
                    return obj
            except (GitOpsError, ApiException):
                pass  # unknown to the server yet: the sync reports it on the object
        meta["namespace"] = app.namespace
        return obj

    def _desired(self, app: App, revision: str) -> Desired:
        if app.error:
            return Desired(revision, {}, app.error)  # never synced, healed or pruned
        if self._cluster is not None and (why := elsewhere(app, self._cluster)):
            return Desired(revision, {}, why)  # never synced, healed or pruned here
        try:
            rendered = self._rendered(app, self.repo.tree(revision), revision)
            desired: dict[ObjectRef, dict] = {}
            for o in rendered.objects:
                ref = ObjectRef.of(o)
                if ref in desired:
                    return Desired(revision, {}, f"{app.path}: {ref} is rendered twice")
                desired[ref] = o
        except GitOpsError as e:
            return Desired(revision, {}, str(e))
        except Exception as e:
            return Desired(revision, {}, str(unexpected(e, app.path or ".")))
        return Desired(revision, desired, hooks=rendered.hooks)

    def _load(self, engine: Engine, app: App) -> Desired:
        """Render one app into the engine at its target revision; its failure, even an
        unforeseen one, is its own error and never stops the loading of the others."""
        try:
            revision = self.repo.resolve(app.target_revision or self.repo.branch)
        except GitOpsError as e:
            revision, error = "", f"{app.declared_in}: targetRevision: {e}"
        except Exception as e:
            revision, error = "", str(unexpected(e, app.declared_in))
        else:
            return engine.load(app.name, revision)
        desired = engine.desired[app.name] = Desired(revision, {}, error)
        return desired

    def source_paths(self, app: App) -> list[str]:
        """Every path the app reads at its head: its bases too, found by rendering."""
        try:
            self.render(app)
        except GitOpsError:
            pass  # a broken render still has its own path
        return app.source_paths

    def history(self, app: App, skip: int = 0, limit: int = 50):
        paths = self.source_paths(app)
        return git_history.log(self.repo, self.repo.branch, paths, skip, limit)

    def patch(self, app: App, sha: str) -> str:
        return git_history.patch(self.repo, sha, self.source_paths(app))

    def revert_preview(
        self, sha: str, names: list[str] | None = None, mainline: int | None = None
    ) -> dict[str, list | GitOpsError]:
        """What reverting sha would do to the cluster, for every app the commit touches
        (or the named ones): live versus the app rendered from the branch head with that
        commit undone (made in memory, nothing written). An app that would no longer
        render, or is another cluster's, maps to the reason."""
        repo = self.repo
        repo.fetch()
        tree = git_revert.revert_tree(repo, sha, mainline)
        engine = self.start_engine(elect=False)
        out: dict[str, list | GitOpsError] = {}
        for name in names if names is not None else self.apps_touched(sha):
            app = self.app(name)
            if self._cluster is not None and (why := elsewhere(app, self._cluster)):
                out[name] = GitOpsError(why)  # its cluster is not the one we see
                continue
            try:
                objs = self._render_tree(app, tree)
            except GitOpsError as e:
                out[name] = GitOpsError(f"would not render: {e}")
                continue
            desired = Desired(f"revert of {sha[:8]}", {ObjectRef.of(o): o for o in objs})
            out[name] = engine.submit(self._compare_with_live, name, desired).result()
        return out

    def _compare_with_live(self, name: str, desired: Desired) -> list:
        engine = self.engine
        assert engine is not None
        live = engine.desired.get(name)
        before = set(live.objects) if live else set()
        declared = engine.apps.get(name)
        out = [
            diff_object(o, engine.cache.get(r), ignore=ignored_paths(declared, r))
            for r, o in desired.objects.items()
        ]
        # Objects the revert removes from Git: the cluster would lose them on a prune.
        out += [
            diff_extra(engine.cache.get(r) or live.objects[r])
            for r in before - set(desired.objects)
            if live is not None
        ]
        return out

    def revert(self, sha: str, mainline: int | None = None) -> str:
        """git revert sha on the branch and push it; the apps roll back on their next sync."""
        repo = self.repo
        # One critical section: a background fetch in between would reset the branch
        # to the remote's tip and silently drop the revert before it is pushed.
        with repo.lock:
            repo.fetch()
            new = git_revert.revert(repo, sha, None, mainline)
            try:
                git_revert.push(repo)
            except GitOpsError:
                repo.fetch()  # drop the unpushed revert: the branch is the remote's again
                raise
        message = f"reverted {sha[:12]} as {new[:12]}: {repo.commit_subject(sha)}"
        for name in self.apps_touched(sha) or ["*"]:
            record = AuditRecord("revert", name, self.who, message, new)
            self.audit.append(record)
            self._event(record)
        return new

    def commit_files(self, sha: str) -> list:
        """Every file a commit changed, in every app or none."""
        return git_history.commit_files(self.repo, sha)

    def apps_touched(self, sha: str) -> list[str]:
        """The apps whose paths (bases included) a commit changed."""
        files = [f.path for f in self.commit_files(sha)]
        if not self._apps:
            self.apps()
        out = []
        for app in self._apps.values():
            paths = self.source_paths(app)
            if any(
                f == p or f.startswith(p.rstrip("/") + "/") or not p for f in files for p in paths
            ):
                out.append(app.name)
        return sorted(out)

    def _event(self, record: AuditRecord) -> None:
        """A Kubernetes Event on the app's state object, when a cluster is configured."""
        try:
            if self.engine is not None:
                self.engine.store.event(record)
            else:
                StateStore(self.connect(), self.settings.control_namespace).event(record)
        except Exception:
            pass  # best effort: the local audit log has the record

    # ---- sealed secrets -------------------------------------------------------------
    def sealed_secrets(self, app: App) -> list[SecretFile]:
        """The SealedSecret files among the paths the app reads, at the branch head."""
        tree = self.repo.tree(self.repo.resolve(self.repo.branch))
        out = []
        for path in self.source_paths(app):
            files = [path] if not tree.is_dir(path) else manifest_files(tree, path, True)
            for file in files:
                data = tree.read(file)
                if b"SealedSecret" not in data:
                    continue
                try:
                    docs = load_documents(data, file)
                except GitOpsError:
                    continue
                for doc in docs:
                    if doc.get("kind") == "SealedSecret":
                        meta = doc.get("metadata") or {}
                        ns = meta.get("namespace") or app.namespace
                        out.append(SecretFile(file, str(meta.get("name")), ns))
        return sorted(set(out), key=lambda f: (f.path, f.name))

    def open_secret(self, file: SecretFile) -> SecretEdit:
        repo = self.repo
        repo.fetch()
        head = repo.resolve(repo.branch)
        data = repo.tree(head).read(file.path)
        edit = SecretEdit(file, data, blob_id(repo, file.path, head))
        edit.parsed()  # a file that is no SealedSecret fails here, before any editing
        return edit

    def seal_cert(self) -> ControllerCert:
        """The controller's public certificate, through the API server (cached)."""
        spec = self.settings.sealed_cert
        api = None if spec else self.connect()
        return open_cert(spec, api=api, cache=self.settings.cache_path / "certs")

    def save_secret(self, edit: SecretEdit) -> str:
        """Seal what changed, commit it to the repository and push; the reconciler then
        rolls it out. Only key names reach the audit log."""
        if not edit.dirty:
            raise GitOpsError("nothing to save")
        private = keys_from_cluster(self.connect()) if edit.needs_private_keys else ()
        content = edit.render(self.seal_cert().public_key, private)
        keys = edit.changed_keys
        sha = commit_sealed_secret(
            self.repo,
            edit.file.path,
            content,
            namespace=edit.file.namespace,
            name=edit.file.name,
            keys=keys,
            expected_blob=edit.blob,
        )
        scope = f" (scope now {edit.scope})" if edit.scope else ""
        record = AuditRecord(
            "secret", "*", self.who, f"sealed {edit.file.ref} keys: {', '.join(keys)}{scope}", sha
        )
        self.audit.append(record)
        self._event(record)
        edit.clear()
        return sha

    def reveal(self, edit: SecretEdit, key: str) -> bytes:
        """One value in clear, with the controller's private keys; always audited."""
        ss = edit.parsed()
        keys = keys_from_cluster(self.connect())
        value = ss.unseal(keys)[key]
        record = AuditRecord("reveal", "*", self.who, f"revealed {edit.file.ref} key {key}")
        self.audit.append(record)
        self._event(record)
        return value

    # ---- cluster ------------------------------------------------------------------
    def connect(self):
        if self._api is None:
            self._api, self._cluster = connect(self.settings.kubeconfig, self.settings.context)
        return self._api

    def cluster(self) -> ClusterInfo:
        api = self.connect()
        info = self._cluster
        assert info is not None
        self._cluster = ClusterInfo(info.context, info.server, info.user, server_version(api))
        return self._cluster

    @property
    def reached_cluster(self) -> bool:
        """Whether the API server has answered (its version is known)."""
        return self._cluster is not None and self._cluster.version != "unknown"

    @property
    def who(self) -> str:
        return operator_identity(self._cluster.user if self._cluster else "")

    def start_engine(self, *, elect: bool = True, on_change=None) -> Engine:
        """Connect, discover, render every app at its head and start watching."""
        if self.engine is not None:
            # Started earlier (the demo syncs before the UI opens): join it.
            if on_change is not None:
                self.engine.on_change = on_change
            if elect and not self.engine.leader.started:
                self.engine.leader.start()
            return self.engine
        api = self.connect()
        engine = Engine(
            api,
            render=self._desired_by_name,
            control_namespace=self.settings.control_namespace,
            audit=self.audit,
            who=self.who,
            on_change=on_change,
        )
        self.engine = engine
        found = self.apps()
        engine.set_apps(found.apps)
        engine.start(elect=elect)
        for app in found.apps:
            self._load(engine, app)
        return engine

    def _desired_by_name(self, app: App, revision: str) -> Desired:
        return self._desired(app, revision)

    def _managed(self, name: str) -> App:
        """The app, if it may be acted on: one with an error (a bad name, say) never is."""
        app = self.app(name)
        if app.error:
            raise GitOpsError(f"{name} is not managed: {app.error}")
        return app

    def sync(self, name: str, *, prune: bool | None = None, dry_run: bool = False) -> SyncReport:
        engine = self.start_engine(elect=False)
        self._managed(name)
        return engine.submit(engine.sync, name, prune=prune, dry_run=dry_run).result()

    def pause(self, name: str, reason: str, duration: dt.timedelta):
        engine = self.start_engine(elect=False)
        self._managed(name)
        return engine.submit(engine.pause, name, reason, duration).result()

    def resume(self, name: str):
        engine = self.start_engine(elect=False)
        self._managed(name)
        return engine.submit(engine.resume, name).result()

    # ---- the background loop: fetch, re-render, auto-sync -------------------------
    def refresh(self, fetch: bool = True) -> list[str]:
        """Fetch, rediscover and re-render on the reconciler thread; the apps whose
        desired objects changed."""
        engine = self.start_engine(elect=False)
        if fetch:
            self.fetch()
        return engine.submit(self._reload).result()

    def _reload(self) -> list[str]:
        engine = self.engine
        assert engine is not None
        found = self.apps()
        engine.set_apps(found.apps)
        changed = []
        for app in found.apps:
            before = engine.desired.get(app.name)
            desired = self._load(engine, app)
            if before is None or before.error or before.objects != desired.objects:
                changed.append(app.name)
        return changed

    def auto_sync(self, names: list[str] | None = None) -> list[SyncReport]:
        """Leader only: sync the automated, unsuspended apps that are out of sync."""
        engine = self.start_engine(elect=False)

        def run() -> list[SyncReport]:
            reports = []
            for name in names if names is not None else sorted(engine.apps):
                try:
                    if (report := engine.auto_sync(name)) is not None:
                        reports.append(report)
                except Exception as e:  # one app's bug never stops the others' sync
                    engine._audit("sync", name, str(unexpected(e, name)), ok=False)
            return reports

        return engine.submit(run).result()

    def close(self) -> None:
        if self.engine is not None:
            self.engine.stop()
            self.engine = None


def _uses_build_env(opts: HelmOptions) -> bool:
    texts = [*opts.value_files, *(p.value for p in opts.parameters)]
    texts += [path for _, path in opts.file_parameters]
    return any("$" in t for t in texts)


def default_settings(repo: str | Path, **kw) -> Settings:
    return Settings(repo=str(repo), **kw)
