"""The audit trail: every action as a JSON line locally and a Kubernetes Event in-cluster."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import socket
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

from gitops_tui.redact import redact


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def operator_identity(kube_user: str = "") -> str:
    """Who is acting: the OS user at this host, and the kubeconfig user."""
    try:
        os_user = getpass.getuser()
    except (KeyError, OSError):
        os_user = os.environ.get("USER", "unknown")
    who = f"{os_user}@{socket.gethostname()}"
    return f"{who} (kube: {kube_user})" if kube_user else who


@dataclass
class AuditRecord:
    action: str  # sync, heal, prune, pause, resume, expire, suspend, revert, error...
    app: str
    who: str
    message: str = ""
    revision: str = ""
    objects: list[str] = field(default_factory=list)
    ok: bool = True
    at: str = field(default_factory=lambda: now().isoformat())

    def __post_init__(self) -> None:
        # Messages quote errors and operators: a URL's credentials never reach the
        # log file or the cluster's Events, which are made from this record.
        self.message = redact(self.message)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, line: str) -> AuditRecord:
        return cls(**json.loads(line))


class AuditLog:
    """Append-only JSON lines; readers see whole lines only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, record: AuditRecord) -> None:
        line = record.to_json() + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line)

    def records(self, app: str | None = None) -> list[AuditRecord]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        out = []
        for line in lines:
            try:
                rec = AuditRecord.from_json(line)
            except (ValueError, TypeError):
                continue  # a torn line from a crash is skipped, not fatal
            if app is None or rec.app == app:
                out.append(rec)
        return out
