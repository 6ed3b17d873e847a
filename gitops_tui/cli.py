"""The `gitops-tui` command: argument parsing only; the work happens in the service."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gitops_tui.errors import GitOpsError


def _local_cluster(args: argparse.Namespace) -> int:
    from gitops_tui.localcluster import LocalCluster

    cluster = LocalCluster.attach(args.dir)
    if args.action == "up":
        if cluster.running():
            print(cluster.kubeconfig)
            return 0
        cluster = LocalCluster(args.dir).up(detach=True)
        print(cluster.kubeconfig)
        print(f"API server {cluster.server}; logs in {cluster.logs}", file=sys.stderr)
    elif args.action == "down":
        was = cluster.running()
        cluster.down()
        print("stopped" if was else "not running", file=sys.stderr)
    elif args.action == "kubeconfig":
        if not cluster.running():
            print(f"error: no local cluster runs in {args.dir}", file=sys.stderr)
            return 1
        print(cluster.kubeconfig)
    return 0


def build_parser() -> argparse.ArgumentParser:
    from gitops_tui.localcluster import default_dir

    parser = argparse.ArgumentParser(
        prog="gitops-tui", description="GitOps for Kubernetes, from the terminal."
    )
    sub = parser.add_subparsers(dest="command")

    lc = sub.add_parser("local-cluster", help="run a real local control plane on loopback")
    lc.add_argument("action", choices=["up", "down", "kubeconfig"])
    lc.add_argument("--dir", type=Path, default=default_dir(), help="where its state lives")
    lc.set_defaults(func=_local_cluster)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except GitOpsError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except RuntimeError as e:  # BuildError, ClusterError: already one clear sentence
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
