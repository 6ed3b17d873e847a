"""Bare repositories served over smart HTTP by git's own `git http-backend`, behind
HTTP basic authentication, on 127.0.0.1 and a random port.

Each request runs the CGI program once, as a web server would. Requests without
valid credentials get 401 with a WWW-Authenticate challenge and never reach Git. A
token may also be given as the user name with any password, as GitHub takes it.

`Redirector` answers every request with a redirect to another server, as a moved
repository or a hostile host would.
"""

from __future__ import annotations

import base64
import os
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote


@dataclass
class Seen:
    """What the server saw, for assertions; the credentials offered stay in memory."""

    requests: list[tuple[str, str, int]] = field(default_factory=list)  # method, path, status
    credentials: list[str] = field(default_factory=list)  # "user:password", as offered
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, method: str, path: str, status: int) -> None:
        with self.lock:
            self.requests.append((method, path, status))

    def offered(self, headers) -> None:
        if offered := _basic(headers):
            with self.lock:
                self.credentials.append(":".join(offered))

    def statuses(self) -> list[int]:
        with self.lock:
            return [s for _, _, s in self.requests]


class GitHttpServer:
    def __init__(self, root: Path, users: dict[str, str], tokens: tuple[str, ...] = ()) -> None:
        self.root = root
        self.users = users
        self.tokens = tokens  # accepted as the user name, whatever the password
        # Old repository name -> new URL: answered with a 301, as a host does for a rename.
        self.moved: dict[str, str] = {}
        self.seen = Seen()
        # Cleared, requests wait unanswered (a remote that hangs) until it is set again.
        self.answering = threading.Event()
        self.answering.set()
        # Set, the packs the server sends are cut to this many bytes (a broken proxy).
        self.pack_bytes: int | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> GitHttpServer:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.answering.set()  # no request left hanging
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()

    @property
    def base(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"

    def serve(self, bare: Path) -> str:
        """Serve a bare repository (moved under the root if elsewhere); its URL."""
        if bare.parent != self.root:
            target = self.root / bare.name
            bare.rename(target)
            bare = target
        # Pushing over HTTP is off unless the repository allows it.
        subprocess.run(["git", "config", "http.receivepack", "true"], cwd=bare, check=True)
        return self.url(bare.name)


def _handler(owner: GitHttpServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._handle()

        def do_POST(self) -> None:
            self._handle()

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

        def _user(self) -> str | None:
            offered = _basic(self.headers)
            if offered is None:
                return None
            user, password = offered
            if user in owner.tokens:
                return "token"
            return user if owner.users.get(user) == password and password else None

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                    if size == 0:
                        self.rfile.readline()
                        break
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                return b"".join(chunks)
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _handle(self) -> None:
            owner.answering.wait()
            body = self._body()
            path, _, query = self.path.partition("?")
            owner.seen.offered(self.headers)
            name = path.lstrip("/").split("/", 1)[0]
            if name in owner.moved:
                rest = self.path.removeprefix(f"/{name}")
                _redirect(self, 301, owner.moved[name] + rest)
                owner.seen.add(self.command, path, 301)
                return
            user = self._user()
            if user is None:
                payload = b"authentication required\n"
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="git"')
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                owner.seen.add(self.command, path, 401)
                return
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": os.environ.get("HOME", "/"),
                "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_PROJECT_ROOT": str(owner.root),
                "GIT_HTTP_EXPORT_ALL": "1",
                "GATEWAY_INTERFACE": "CGI/1.1",
                "PATH_INFO": unquote(path),
                "REQUEST_METHOD": self.command,
                "QUERY_STRING": query,
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(len(body)),
                "REMOTE_USER": user,
                "REMOTE_ADDR": self.client_address[0],
            }
            for header, var in (
                ("Git-Protocol", "GIT_PROTOCOL"),
                ("Content-Encoding", "HTTP_CONTENT_ENCODING"),
            ):
                if value := self.headers.get(header):
                    env[var] = value
            done = subprocess.run(
                ["git", "http-backend"], input=body, env=env, capture_output=True, check=False
            )
            head, content = _split_cgi(done.stdout)
            status = 200
            headers = []
            for line in head.splitlines():
                name, _, value = line.partition(":")
                if name.lower() == "status":
                    status = int(value.strip().split()[0])
                elif name:
                    headers.append((name.strip(), value.strip()))
            if done.returncode != 0 and not head:
                status, content = 500, done.stderr
            if owner.pack_bytes is not None and path.endswith("/git-upload-pack"):
                content = content[: owner.pack_bytes]
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
            owner.seen.add(self.command, path, status)

    return Handler


def _split_cgi(output: bytes) -> tuple[str, bytes]:
    """CGI headers and body: split at the first blank line, whichever line ending."""
    ends = [(i, sep) for sep in (b"\r\n\r\n", b"\n\n") if (i := output.find(sep)) >= 0]
    if not ends:
        return "", output
    i, sep = min(ends)
    return output[:i].decode("latin-1"), output[i + len(sep) :]


def _basic(headers) -> tuple[str, str] | None:
    """(user, password) of a Basic Authorization header."""
    scheme, _, encoded = headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(encoded).decode().partition(":")
    except ValueError:
        return None
    return user, password


def _redirect(handler: BaseHTTPRequestHandler, status: int, location: str) -> None:
    handler.send_response(status)
    handler.send_header("Location", location)
    handler.send_header("Content-Length", "0")
    handler.end_headers()


class Redirector:
    """Redirects every request (path and query kept) to `target`, another host:port.

    With `challenge`, a request without credentials first gets 401, so that the client
    authenticates here before it is sent on.
    """

    def __init__(self, target: str, status: int = 302, challenge: bool = False) -> None:
        self.target = target.rstrip("/")
        self.status = status
        self.challenge = challenge
        self.seen = Seen()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Redirector:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _handle(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = self.path.partition("?")[0]
                owner.seen.offered(self.headers)
                if owner.challenge and not self.headers.get("Authorization"):
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="git"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    owner.seen.add(self.command, path, 401)
                    return
                _redirect(self, owner.status, owner.target + self.path)
                owner.seen.add(self.command, path, owner.status)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()

    def url(self, name: str) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/{name}"
