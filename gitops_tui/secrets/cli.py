"""`gitops-tui seal` and `gitops-tui unseal`: kubeseal's everyday uses.

Values arrive through arguments, files or stdin and leave only sealed, except for
`unseal`, whose stdout is the Secret (values base64 in `data`, as kubectl shows it).
No value is ever put in an error, a warning or a log line.

Building the parser imports no cluster or crypto code: commands import what they use.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from gitops_tui.errors import GitOpsError
from gitops_tui.text import echo

if TYPE_CHECKING:
    from gitops_tui.secrets.cert import Controller, ControllerCert
    from gitops_tui.secrets.sealedsecret import SealedSecret

SCOPES = ("strict", "namespace-wide", "cluster-wide")
CONTROLLER_NAME = "sealed-secrets-controller"
CONTROLLER_NAMESPACE = "kube-system"


class SecretInputError(GitOpsError):
    """A value or a file could not be read from where the command line said."""


# ---- values -------------------------------------------------------------------------
def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise SecretInputError(f"cannot read {path}: {e.strerror}") from None


def collect_values(literals: list[str], files: list[str]) -> dict[str, bytes]:
    """`--from-literal KEY=VALUE` and `--from-file [KEY=]PATH`, kubectl style."""
    from gitops_tui.secrets.sealedsecret import check_key_name

    values: dict[str, bytes] = {}

    def put(key: str, value: bytes, flag: str) -> None:
        check_key_name(key)
        if key in values:
            raise SecretInputError(f"key {key} is given twice ({flag})")
        values[key] = value

    for item in literals:
        key, eq, value = item.partition("=")
        if not eq or not key:
            # Not shown: without its '=' the argument may well be the value itself.
            raise SecretInputError("--from-literal expects KEY=VALUE (the argument is not shown)")
        put(key, value.encode(), "--from-literal")
    for item in files:
        key, eq, path = item.partition("=")
        if not eq:
            key, path = Path(item).name, item
        put(key, _read(path), "--from-file")
    return values


def _raw_value(args: argparse.Namespace) -> bytes:
    if len(args.from_literal) + len(args.from_file) > 1:
        raise SecretInputError("--raw seals one value: give one --from-literal or --from-file")
    if args.from_literal:
        return args.from_literal[0].encode()
    if args.from_file:
        _, eq, path = args.from_file[0].partition("=")
        return _read(path if eq else args.from_file[0])
    if sys.stdin is None or sys.stdin.isatty():
        raise SecretInputError("--raw needs a value: --from-literal, --from-file or stdin")
    return sys.stdin.buffer.read()


# ---- cluster --------------------------------------------------------------------------
def _controller(args: argparse.Namespace) -> Controller:
    from gitops_tui.secrets.cert import Controller

    return Controller(args.controller_name, args.controller_namespace)


def load_cert(args: argparse.Namespace) -> ControllerCert:
    """--cert when given, else the controller's cert through the cluster (cached)."""
    from gitops_tui.cluster.client import connect
    from gitops_tui.config import cache_dir
    from gitops_tui.secrets.cert import cert_from_cluster, open_cert

    if args.cert:
        cert = open_cert(args.cert)
    else:
        api, _ = connect(args.kubeconfig, args.context)
        try:
            cert = cert_from_cluster(api, _controller(args), cache=cache_dir())
        finally:
            api.close()
    for note in cert.warnings:
        echo(f"warning: {note}", err=True)
    return cert


def _write_in_place(path: Path, data: bytes) -> None:
    """Replace the file atomically, keeping its mode (the content is sealed)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        mode = path.stat().st_mode & 0o7777
        tmp.write_bytes(data)
        tmp.chmod(mode)
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise SecretInputError(f"cannot write {path}: {e.strerror}") from None


def _print_object(obj: dict, output: str) -> None:
    import yaml

    if output == "json":
        print(json.dumps(obj, indent=2))
    else:
        print(yaml.safe_dump(obj, sort_keys=False, width=1 << 30).rstrip("\n"))


# ---- commands -------------------------------------------------------------------------
def cmd_seal(args: argparse.Namespace) -> int:
    from gitops_tui.secrets.crypto import Scope
    from gitops_tui.secrets.sealedsecret import SealError, seal

    if args.raw:
        return _seal_raw(args)
    if args.merge_into:
        return _merge_into(args)
    if not args.name:
        raise SealError("--name is required (or --merge-into FILE)")
    scope = Scope(args.scope or Scope.STRICT)
    if scope is not Scope.CLUSTER_WIDE and not args.namespace:
        raise SealError(f"--namespace is required for a {scope} SealedSecret")
    values = collect_values(args.from_literal, args.from_file)
    if not values:
        raise SealError("nothing to seal: give --from-literal KEY=VALUE or --from-file")
    cert = load_cert(args)
    ss = seal(
        values,
        namespace=args.namespace,
        name=args.name,
        scope=scope,
        public_key=cert.public_key,
        type=args.type,
    )
    if args.output == "json":
        _print_object(ss.doc, "json")
    else:
        print(ss.serialize().decode().rstrip("\n"))
    return 0


def _seal_raw(args: argparse.Namespace) -> int:
    from gitops_tui.secrets.crypto import Scope
    from gitops_tui.secrets.sealedsecret import SealError, seal_value

    scope = Scope(args.scope or Scope.STRICT)
    if scope is not Scope.CLUSTER_WIDE and not args.namespace:
        raise SealError(f"--raw with scope {scope} needs --namespace")
    if scope is Scope.STRICT and not args.name:
        raise SealError("--raw with scope strict needs --name")
    value = _raw_value(args)
    cert = load_cert(args)
    sealed = seal_value(
        cert.public_key, value, namespace=args.namespace or "", name=args.name or "", scope=scope
    )
    print(sealed)
    return 0


def _open_file(path: str) -> SealedSecret:
    from gitops_tui.secrets.sealedsecret import SealedSecret

    if path == "-":
        return SealedSecret.parse(sys.stdin.buffer.read(), "<stdin>")
    return SealedSecret.parse(_read(path), path)


def _merge_into(args: argparse.Namespace) -> int:
    from gitops_tui.secrets.crypto import Scope
    from gitops_tui.secrets.sealedsecret import SealError

    path = Path(args.merge_into)
    ss = _open_file(str(path))
    if args.name and args.name != ss.name:
        raise SealError(f"{path} seals {ss.name}, not {args.name}")
    file_ns = ss.doc["metadata"].get("namespace")
    if args.namespace and file_ns and args.namespace != file_ns:
        raise SealError(f"{path} is in namespace {file_ns}, not {args.namespace}")
    if not file_ns:
        ss.default_namespace = args.namespace
    if args.scope and Scope(args.scope) is not ss.scope:
        raise SealError(
            f"{path} is sealed {ss.scope}; a {args.scope} value would not unseal there "
            "(changing the scope re-seals every value)"
        )
    values = collect_values(args.from_literal, args.from_file)
    if not values:
        raise SealError("nothing to merge: give --from-literal KEY=VALUE or --from-file")
    ss.label()  # a missing namespace fails before the cluster is asked
    cert = load_cert(args)
    keys = ss.set_values(values, cert.public_key)
    _write_in_place(path, ss.serialize())
    how = "" if ss.text_preserved else " (rewritten: its layout could not be kept)"
    echo(f"updated {path}: {', '.join(keys)}{how}", err=True)
    return 0


def cmd_unseal(args: argparse.Namespace) -> int:
    from gitops_tui.cluster.client import connect
    from gitops_tui.secrets.keys import keys_from_cluster, keys_from_files

    ss = _open_file(args.file)
    if args.key:
        keys = keys_from_files(args.key)
    else:
        api, _ = connect(args.kubeconfig, args.context)
        try:
            keys = keys_from_cluster(api, args.controller_namespace)
        finally:
            api.close()
    for note in ss.warnings:
        echo(f"warning: {note}", err=True)
    _print_object(ss.to_secret(ss.unseal(keys)), args.output)
    return 0


# ---- parsers ---------------------------------------------------------------------------
def _cluster_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--kubeconfig", type=Path, help="kubeconfig file (default: $KUBECONFIG)")
    p.add_argument("--context", help="kubeconfig context (default: the current one)")
    p.add_argument(
        "--controller-namespace",
        default=CONTROLLER_NAMESPACE,
        help=f"namespace of the sealed-secrets controller (default: {CONTROLLER_NAMESPACE})",
    )


def add_parsers(sub) -> None:
    """The `seal` and `unseal` subcommands, on the main parser's subparsers."""
    p = sub.add_parser("seal", help="seal values into a SealedSecret (like kubeseal)")
    p.add_argument("--namespace", "-n", help="namespace of the secret")
    p.add_argument("--name", help="name of the secret")
    p.add_argument(
        "--from-literal",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a value (repeatable); with --raw, just the value",
    )
    p.add_argument(
        "--from-file",
        action="append",
        default=[],
        metavar="[KEY=]PATH",
        help="a value read from a file (repeatable); the key defaults to the file name",
    )
    p.add_argument("--type", default="Opaque", help="the Secret's type (default: Opaque)")
    p.add_argument(
        "--scope", choices=SCOPES, help="where it may be unsealed (default: strict, or the file's)"
    )
    p.add_argument("--cert", help="the controller's certificate: a PEM file or an http(s) URL")
    p.add_argument(
        "--controller-name",
        default=CONTROLLER_NAME,
        help=f"Service of the sealed-secrets controller (default: {CONTROLLER_NAME})",
    )
    p.add_argument("--merge-into", metavar="FILE", help="update this SealedSecret file in place")
    p.add_argument("--raw", action="store_true", help="print one sealed value, base64")
    p.add_argument("-o", "--output", choices=["yaml", "json"], default="yaml")
    _cluster_args(p)
    p.set_defaults(func=cmd_seal)

    p = sub.add_parser("unseal", help="print the Secret a SealedSecret file holds")
    p.add_argument("file", help="the SealedSecret file ('-' for stdin)")
    p.add_argument(
        "--key",
        action="append",
        default=[],
        metavar="PEM-FILE",
        help="a private key (or a backup of the key Secrets); default: read from the cluster",
    )
    p.add_argument("-o", "--output", choices=["yaml", "json"], default="yaml")
    _cluster_args(p)
    p.set_defaults(func=cmd_unseal)
