"""A TCP proxy on loopback that can hold every byte: one process cut off from the API
server (a network partition) while every other process still reaches it."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from pathlib import Path
from urllib.parse import urlsplit

import yaml


class Proxy:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.forwarding = threading.Event()  # cleared: bytes wait, both ways
        self.forwarding.set()
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, name="proxy-accept", daemon=True).start()

    @classmethod
    def for_kubeconfig(cls, kubeconfig: Path, out: Path) -> Proxy:
        """A proxy to the kubeconfig's API server, and a copy of the kubeconfig using it."""
        doc = yaml.safe_load(kubeconfig.read_text())
        cluster = doc["clusters"][0]["cluster"]
        url = urlsplit(cluster["server"])
        proxy = cls((url.hostname or "127.0.0.1", url.port or 443))
        cluster["server"] = f"https://127.0.0.1:{proxy.port}"
        out.write_text(yaml.safe_dump(doc))
        return proxy

    def hold(self) -> None:
        """The partition: connections stay open, nothing gets through either way."""
        self.forwarding.clear()

    def release(self) -> None:
        self.forwarding.set()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            try:
                up = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                conn.close()
                continue
            with self._lock:
                self._sockets += [conn, up]
            threading.Thread(target=self._pump, args=(conn, up), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        peers = {a: b, b: a}
        try:
            while not self._stop.is_set():
                if not self.forwarding.wait(0.1):
                    continue
                ready, _, _ = select.select([a, b], [], [], 0.1)
                for s in ready:
                    if not self.forwarding.is_set():
                        break  # held since the select: this data waits too
                    data = s.recv(65536)
                    if not data:
                        return
                    peers[s].sendall(data)
        except OSError:
            return
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.close()

    def close(self) -> None:
        self._stop.set()
        self.forwarding.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            for s in self._sockets:
                with contextlib.suppress(OSError):
                    s.close()
