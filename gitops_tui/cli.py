"""The `gitops-tui` command: argument parsing and printing only; the work is the service's."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import logging
import re
import sys
from pathlib import Path

from gitops_tui.config import DEFAULT_CONTROL_NAMESPACE, Settings
from gitops_tui.errors import GitOpsError, one_line
from gitops_tui.redact import redact
from gitops_tui.text import CleanFormatter, echo


def _jsonable(value):
    if hasattr(value, "as_json"):
        return _jsonable(value.as_json())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value


def _emit(args: argparse.Namespace, data, text: str) -> None:
    if getattr(args, "output", "text") == "json":
        # ensure_ascii: every control character in the data is written as \uXXXX.
        print(json.dumps(_jsonable(data), indent=2, sort_keys=True, ensure_ascii=True))
    else:
        echo(text)


def parse_duration(text: str) -> dt.timedelta:
    """Go-style durations as operators type them: 30m, 1h30m, 90s, 2h."""
    parts = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", text.strip())
    if not text.strip() or not parts or not any(parts.groups()):
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (try 30m, 1h, 90s)")
    h, m, s = (int(g or 0) for g in parts.groups())
    if not h and not m and not s:
        raise argparse.ArgumentTypeError(f"a duration of {text!r} ends at once (try 30m)")
    return dt.timedelta(hours=h, minutes=m, seconds=s)


def _service(args: argparse.Namespace):
    from gitops_tui.service import Service

    settings = Settings(
        repo=args.repo,
        branch=args.branch,
        kubeconfig=getattr(args, "kubeconfig", None),
        context=getattr(args, "context", None),
        control_namespace=getattr(args, "namespace", DEFAULT_CONTROL_NAMESPACE),
        read_only=getattr(args, "read_only", False),
        sealed_cert=getattr(args, "cert", None),
        fetch_interval=getattr(args, "fetch_interval", None) or 60.0,
        allow_remote_resources=getattr(args, "allow_remote_resources", False),
        helm=getattr(args, "helm", None),
    )
    return Service(settings)


# ---- commands ---------------------------------------------------------------------
def cmd_apps(args) -> int:
    found = _service(args).apps()
    rows = [
        f"{a.name:<32} {a.source_kind:<10} {a.path:<44} ns={a.namespace or '-'}"
        + (f"  ⚠ {len(a.warnings)} warning(s)" if a.warnings else "")
        + (f"  ✘ {a.error}" if a.error else "")
        for a in found.apps
    ]
    rows += [f"error: {e}" for e in found.errors]
    _emit(args, {"apps": found.apps, "errors": [str(e) for e in found.errors]}, "\n".join(rows))
    return 1 if found.errors or any(a.error for a in found.apps) else 0


def cmd_history(args) -> int:
    svc = _service(args)
    commits = svc.history(svc.app(args.app), skip=args.skip, limit=args.limit)
    text = "\n".join(
        f"{c.short} {c.author_time:%Y-%m-%d %H:%M} {c.author_name:<18} {c.subject}" for c in commits
    )
    _emit(args, commits, text)
    return 0


def cmd_render(args) -> int:
    import yaml

    svc = _service(args)
    app = svc.app(args.app)
    objs = svc.render(app, args.revision)
    for note in app.render_warnings:  # Helm hooks left out, ...
        echo(f"warning: {note}", err=True)
    _emit(args, objs, yaml.safe_dump_all(objs, sort_keys=False).rstrip())
    return 0


def _view_json(v) -> dict:
    st = v.state
    return {
        "app": v.app.name,
        "revision": v.revision,
        "sync": v.sync_status,
        "health": str(v.health.status),
        "healthMessage": v.health.message,
        "paused": _jsonable(st.pause) if st.pause else None,
        "suspended": st.suspended,
        "lastSyncedRevision": st.last_synced_revision,
        "lastSyncedAt": st.last_synced_at,
        "error": v.error,
        "objects": [{"ref": str(d.ref), "status": d.status} for d in v.diffs],
    }


def cmd_status(args) -> int:
    svc = _service(args)
    try:
        engine = svc.start_engine(elect=False)
        views = [engine.view(name) for name in sorted(engine.apps)]
    finally:
        svc.close()
    rows = []
    for v in views:
        paused = f"PAUSED until {v.state.pause.until[11:16]}" if v.state.pause else "selfHeal"
        rows.append(
            f"{v.app.name:<30} {v.sync_status:<10} {str(v.health.status):<12} {paused:<22} "
            f"{v.revision[:8]}" + (f"  ✘ {v.error}" if v.error else "")
        )
    _emit(args, [_view_json(v) for v in views], "\n".join(rows))
    return 1 if any(v.error for v in views) else 0


def cmd_diff(args) -> int:
    svc = _service(args)
    try:
        engine = svc.start_engine(elect=False)
        svc.app(args.app)
        diffs = [d for d in engine.diff(args.app) if d.status != "Synced"]
    finally:
        svc.close()
    text = "\n".join(
        f"== {d.ref} ({d.status})"
        + (f" drifted by {', '.join(m.manager for m in d.drifted_by)}" if d.drifted_by else "")
        + "\n"
        + d.unified
        for d in diffs
    )
    _emit(args, diffs, text or "no differences")
    return 3 if diffs else 0


def cmd_sync(args) -> int:
    svc = _service(args)
    try:
        report = svc.sync(args.app, prune=True if args.prune else None, dry_run=args.dry_run)
    finally:
        svc.close()
    lines = [f"{'(dry run) ' if report.dry_run else ''}{report.app} @ {report.revision[:8]}"]
    lines += [f"  applied {r}" for r in report.applied]
    lines += [f"  pruned  {r}" for r in report.pruned]
    lines += [f"  not pruned {r} (prune is off)" for r in report.skipped_prune]
    lines += [f"  ✘ {e}" for e in report.errors]
    _emit(args, report, "\n".join(lines))
    return 0 if report.ok else 1


def cmd_pause(args) -> int:
    svc = _service(args)
    try:
        state = svc.pause(args.app, args.reason, args.duration)
    finally:
        svc.close()
    _emit(args, state, f"{args.app}: selfHeal paused until {state.pause.until} ({args.reason})")
    return 0


def cmd_resume(args) -> int:
    svc = _service(args)
    try:
        state = svc.resume(args.app)
    finally:
        svc.close()
    _emit(args, state, f"{args.app}: selfHeal resumed")
    return 0


def cmd_revert(args) -> int:
    svc = _service(args)
    new = svc.revert(args.sha, args.mainline)
    _emit(args, {"reverted": args.sha, "commit": new}, f"reverted {args.sha[:12]} as {new[:12]}")
    return 0


def cmd_auth_set(args) -> int:
    import getpass

    from gitops_tui.git.credentials import auth_set, strip_credentials

    user = args.user or input("username: ").strip()
    # The token is read without echo and goes only to the OS keyring.
    token = getpass.getpass(f"token for {user} at {strip_credentials(args.remote)}: ")
    if not token:
        echo("error: empty token, nothing stored", err=True)
        return 1
    auth_set(args.remote, user, token)
    echo(f"stored in the OS keyring for {strip_credentials(args.remote)} ({user})")
    return 0


def cmd_reconcile(args) -> int:
    from gitops_tui.reconcile.daemon import reconcile_once, run_daemon

    svc = _service(args)
    if not args.once:
        return run_daemon(svc, interval=args.interval)
    try:
        result = reconcile_once(svc)
    finally:
        svc.close()
    if not result.is_leader:
        text = f"not the leader ({result.leader} leads): nothing done"
    else:
        lines = [
            f"{r.app}: " + ("synced" if r.ok else "failed: " + "; ".join(r.errors))
            for r in result.reports
        ]
        lines += [f"error: app not discovered: {e}" for e in result.errors]
        lines += [f"error: {e}" for e in result.app_errors]
        text = "\n".join(lines) or "everything in sync"
    _emit(args, result, text)
    return 0 if result.ok else 1


def cmd_local_cluster(args) -> int:
    from gitops_tui.localcluster import LocalCluster

    cluster = LocalCluster.attach(args.dir)
    if args.action == "up":
        if not cluster.running():
            cluster.down()  # leftovers of a cluster that half died
            cluster = LocalCluster(args.dir).up(detach=True)
            echo(f"API server {cluster.server}; logs in {cluster.logs}", err=True)
        echo(str(cluster.kubeconfig))
    elif args.action == "down":
        was = cluster.running()
        cluster.down()
        echo("stopped" if was else "not running", err=True)
    elif args.action == "kubeconfig":
        if not cluster.running():
            echo(f"error: no local cluster runs in {args.dir}", err=True)
            return 1
        echo(str(cluster.kubeconfig))
    return 0


def cmd_tui(args) -> int:
    from gitops_tui.tui.app import GitOpsApp

    svc = _service(args)
    try:
        GitOpsApp(svc).run()
    finally:
        svc.close()
    return 0


def cmd_demo(args) -> int:
    from gitops_tui.demo_run import run_demo

    return run_demo(args.dir)


# ---- parser -----------------------------------------------------------------------
def _repo_args(p: argparse.ArgumentParser, cluster: bool = True) -> None:
    p.add_argument("--repo", default=".", help="GitOps repository: a URL or a path (default: .)")
    p.add_argument("--branch", help="branch to follow (default: the remote's default)")
    p.add_argument("-o", "--output", choices=["text", "json"], default="text")
    p.add_argument(
        "--allow-remote-resources",
        action="store_true",
        help="let kustomize fetch remote bases, files and Helm charts (default: refused)",
    )
    p.add_argument(
        "--helm",
        help="the helm 3 that renders charts (default: $GITOPS_TUI_HELM, the cached build, PATH)",
    )
    if cluster:
        p.add_argument("--kubeconfig", type=Path, help="kubeconfig file (default: $KUBECONFIG)")
        p.add_argument("--context", help="kubeconfig context (default: the current one)")
        p.add_argument(
            "--namespace",
            default=DEFAULT_CONTROL_NAMESPACE,
            help=f"control namespace for app state (default: {DEFAULT_CONTROL_NAMESPACE})",
        )


def build_parser() -> argparse.ArgumentParser:
    from gitops_tui.localcluster import default_dir
    from gitops_tui.secrets.cli import add_parsers as add_secret_parsers

    parser = argparse.ArgumentParser(
        prog="gitops-tui", description="GitOps for Kubernetes, from the terminal."
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help="full tracebacks of unexpected errors (on stderr; the TUI's in a log file)",
    )
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("tui", help="open the terminal UI (the default)")
    _repo_args(p)
    p.add_argument("--read-only", action="store_true", help="disable every mutating key")
    p.add_argument(
        "--cert", help="sealed-secrets certificate, a PEM file or URL (default: from the cluster)"
    )
    p.add_argument(
        "--fetch-interval", type=float, default=60.0, help="Git fetch interval, seconds (60)"
    )
    p.set_defaults(func=cmd_tui)

    p = sub.add_parser("apps", help="list the applications the repository declares")
    _repo_args(p, cluster=False)
    p.set_defaults(func=cmd_apps)

    p = sub.add_parser("history", help="commits that touched an app's paths")
    _repo_args(p, cluster=False)
    p.add_argument("app")
    p.add_argument("--skip", type=int, default=0)
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("render", help="render an app's objects at a revision")
    _repo_args(p, cluster=False)
    p.add_argument("app")
    p.add_argument("--revision", help="branch, tag or commit (default: the app's target)")
    p.set_defaults(func=cmd_render)

    p = sub.add_parser("status", help="sync status and health of every app")
    _repo_args(p)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("diff", help="live versus Git for one app (exit 3 when they differ)")
    _repo_args(p)
    p.add_argument("app")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("sync", help="apply an app from Git (server-side apply)")
    _repo_args(p)
    p.add_argument("app")
    p.add_argument("--prune", action="store_true", help="prune even if the app does not")
    p.add_argument("--dry-run", action="store_true", help="ask the API server, change nothing")
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser("pause", help="pause selfHeal of an app for a while")
    _repo_args(p)
    p.add_argument("app")
    p.add_argument("--for", dest="duration", type=parse_duration, default="30m")
    p.add_argument("--reason", required=True)
    p.set_defaults(func=cmd_pause)

    p = sub.add_parser("resume", help="resume selfHeal of an app")
    _repo_args(p)
    p.add_argument("app")
    p.set_defaults(func=cmd_resume)

    p = sub.add_parser("revert", help="git revert a commit and push it; the apps roll back")
    _repo_args(p)
    p.add_argument("sha")
    p.add_argument("--mainline", type=int, help="parent number, for a merge commit")
    p.set_defaults(func=cmd_revert)

    p = sub.add_parser("auth", help="Git credentials in the OS keyring")
    auth = p.add_subparsers(dest="auth_command", required=True)
    p = auth.add_parser("set", help="store a token for a remote (prompted, never echoed)")
    p.add_argument("remote", help="the remote URL, e.g. https://git.example.com/shop/gitops.git")
    p.add_argument("--user", help="the username (prompted when missing)")
    p.set_defaults(func=cmd_auth_set)

    p = sub.add_parser("reconcile", help="run the reconciler headless (leader-elected)")
    _repo_args(p)
    p.add_argument("--once", action="store_true", help="one pass, then exit")
    p.add_argument("--interval", type=float, default=60.0, help="Git fetch interval, seconds")
    p.set_defaults(func=cmd_reconcile)

    p = sub.add_parser("local-cluster", help="run a real local control plane on loopback")
    p.add_argument("action", choices=["up", "down", "kubeconfig"])
    p.add_argument("--dir", type=Path, default=default_dir(), help="where its state lives")
    p.set_defaults(func=cmd_local_cluster)

    p = sub.add_parser("demo", help="the TUI on a local control plane and a sample repository")
    p.add_argument("--dir", type=Path, help="keep the demo's files here (default: a temp dir)")
    p.set_defaults(func=cmd_demo)
    add_secret_parsers(sub)
    return parser


def _debug_log(args: argparse.Namespace):
    """--debug: the traceback of every unexpected error, also of those caught for one
    app, on stderr (for the TUI, whose screen stderr would garble, in a file)."""
    import logging

    from gitops_tui.config import cache_dir

    if args.func in (cmd_tui, cmd_demo):
        path = cache_dir() / "debug.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(path)
        print(f"debug log: {path}", file=sys.stderr)
    else:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(CleanFormatter("%(asctime)s %(name)s: %(message)s"))
    logger = logging.getLogger("gitops_tui")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)

    def undo() -> None:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
        handler.close()

    return undo


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    if logging.lastResort is not None:  # the daemon's warnings, on stderr
        logging.lastResort.setFormatter(CleanFormatter())
    argv = sys.argv[1:] if argv is None else argv
    # --debug is taken before or after the command.
    debug = "--debug" in argv
    argv = [a for a in argv if a != "--debug"]
    # No command opens the UI on the repository in the current directory.
    args = parser.parse_args(argv or ["tui"])
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    undo = _debug_log(args) if debug else None
    try:
        return args.func(args)
    except GitOpsError as e:
        echo(f"error: {redact(str(e))}", err=True)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as e:
        from gitops_tui.localcluster import BuildError, ClusterError

        if debug:
            raise
        if isinstance(e, BuildError | ClusterError):  # already one clear sentence
            echo(f"error: {redact(str(e))}", err=True)
        else:
            text = f"error: {one_line(e)} (run with --debug for the traceback)"
            echo(redact(text), err=True)
        return 1
    finally:
        if undo is not None:
            undo()


if __name__ == "__main__":
    raise SystemExit(main())
