"""`gitops-tui tui` as an operator starts it: the installed command in a real terminal
(a pseudo-terminal), with --repo, --kubeconfig, --context and --namespace."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import sys
import termios
from pathlib import Path

import yaml
from kubernetes import client

from gitops_tui.reconcile.leader import LEASE_NAME
from tests.support import Repo, poll

COMMAND = Path(sys.executable).with_name("gitops-tui")
ROWS, COLS = 40, 132


class Terminal:
    """A child process on a pseudo-terminal: what it wrote, and keys sent to it."""

    def __init__(self, argv: list[str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the command, as a shell would start it
            os.environ["TERM"] = "xterm-256color"
            os.execv(argv[0], argv)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.output = b""
        self.code: int | None = None

    def read(self) -> bytes:
        ready, _, _ = select.select([self.fd], [], [], 0.05)
        if ready:
            try:
                self.output += os.read(self.fd, 1 << 16)
            except OSError:  # the child closed the terminal
                pass
        return self.output

    def exited(self) -> bool:
        self.read()  # a full pipe would keep it from exiting
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        if pid:
            self.code = os.waitstatus_to_exitcode(status)
        return self.code is not None

    def close(self) -> None:
        if self.code is None:
            os.kill(self.pid, 9)
            os.waitpid(self.pid, 0)
        os.close(self.fd)


def test_the_command_starts_on_the_given_cluster_and_namespace_and_q_quits(
    repo: Repo, kubeconfig: Path, api_client, tmp_path: Path
) -> None:
    context = yaml.safe_load(kubeconfig.read_text())["current-context"]
    control = f"ctl-cmd-{repo.ns}"
    term = Terminal(
        [
            str(COMMAND),
            "tui",
            "--repo",
            str(repo.origin),
            "--kubeconfig",
            str(kubeconfig),
            "--context",
            context,
            "--namespace",
            control,
        ]  # fmt: skip
    )
    try:
        # The app's row on the screen (its name is one run of text in the output).
        poll(lambda: repo.app.encode() in term.read(), "the app on the screen")
        # The reconciler it started leads from the control namespace given.
        coordination = client.CoordinationV1Api(api_client)

        def lease():
            try:
                return coordination.read_namespaced_lease(LEASE_NAME, control)
            except client.ApiException as e:
                if e.status == 404:
                    return None
                raise

        assert poll(lease, f"the Lease in {control}").spec.holder_identity
        os.write(term.fd, b"q")
        poll(term.exited, "the command to quit on q")
        assert term.code == 0
    finally:
        term.close()


def test_the_command_with_read_only_refuses_s_on_screen(repo: Repo, kubeconfig: Path) -> None:
    term = Terminal(
        [
            str(COMMAND),
            "tui",
            "--read-only",
            "--repo",
            str(repo.origin),
            "--kubeconfig",
            str(kubeconfig),
            "--namespace",
            f"ctl-ro-{repo.ns}",
        ]  # fmt: skip
    )
    try:
        poll(lambda: repo.app.encode() in term.read(), "the app on the screen")
        os.write(term.fd, b"s")
        # The toast wraps its text: its first line.
        poll(lambda: b"read-only mode: 'sync' is disabled" in term.read(), "the refusal")
        os.write(term.fd, b"q")
        poll(term.exited, "the command to quit on q")
        assert term.code == 0
    finally:
        term.close()
