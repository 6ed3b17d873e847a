"""Credentials for Git remotes: the OS keyring, or environment variables for CI.

Tokens live only in the keyring (service ``gitops-tui``, key ``<host>/<user>``, plus an
index entry ``<host>`` -> user) or in memory. They never reach a message, a log line or
a file: a token given in the remote URL is taken out of it (`parse_remote`) and handed
to libgit2 only through the credentials callback, every URL shown is passed through
`strip_credentials`, and every libgit2 error text is scrubbed of the secrets offered.
The callback answers only for the scheme, host and port configured: a remote that
redirects elsewhere gets nothing.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import keyring
import keyring.errors
import pygit2
from keyring.backends import chainer, fail
from pygit2.enums import CredentialType

from gitops_tui.errors import GitError
from gitops_tui.redact import LOGIN_SCHEMES, redact, secret_forms, strip_credentials

SERVICE = "gitops-tui"
ENV_USER = "GITOPS_TUI_GIT_USERNAME"
ENV_TOKEN = "GITOPS_TUI_GIT_TOKEN"

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# scp-like syntax, as git reads it: [user@]host:path with no slash before the colon.
_SCP = re.compile(r"^(?:(?P<user>[^@/]+)@)?(?P<host>[^@/:]+):(?P<path>.*)$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class NoKeyring(GitError):
    """No OS keyring backend is usable, so a token can be neither stored nor read."""

    def __init__(self) -> None:
        super().__init__(
            "no OS keyring is available to store or read Git credentials; "
            "install a file backend with `pip install keyrings.alt`, or set "
            f"{ENV_USER} and {ENV_TOKEN} in the environment"
        )


class AuthenticationFailed(GitError):
    """The remote refused the credentials offered (or none were found)."""


def is_url(source: str) -> bool:
    return bool(_SCHEME.match(source) or _SCP.match(source))


@dataclass(frozen=True)
class Remote:
    """A remote as the operator gave it, split in what may be written down or shown
    and what stays in memory for the credentials callback."""

    url: str  # what libgit2 connects to: no password, no user name but ssh's login
    user: str | None = None  # percent-decoded
    password: str | None = None  # percent-decoded
    # The URL's user name when it may be the token itself: given with no password, not ssh.
    token_user: str | None = None

    @property
    def shown(self) -> str:
        return strip_credentials(self.url)

    def __repr__(self) -> str:
        return f"Remote({self.shown!r})"


def parse_remote(source: str) -> Remote:
    """A remote URL (or path) with its user info taken out of the URL."""
    if not _SCHEME.match(source):
        m = _SCP.match(source)
        return Remote(source, m.group("user") if m else None)
    scheme, rest = source.split("://", 1)
    cut = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority, tail = rest[:cut], rest[cut:]
    if "@" not in authority:
        return Remote(source)
    userinfo, host = authority.rsplit("@", 1)
    raw_user, _, raw_password = userinfo.partition(":")
    user, password = unquote(raw_user) or None, unquote(raw_password) or None
    if scheme.lower() in LOGIN_SCHEMES:
        login = f"{raw_user}@" if raw_user else ""
        return Remote(f"{scheme}://{login}{host}{tail}", user, password)
    token_user = user if password is None else None
    return Remote(f"{scheme}://{host}{tail}", user, password, token_user)


def origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL: the one place its credentials may go."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def host_key(url: str) -> str:
    """``host[:port]`` of a remote, the keyring's per-host key."""
    if _SCHEME.match(url):
        parts = urlsplit(url)
        return parts.netloc.rsplit("@", 1)[-1]
    m = _SCP.match(url)
    return m.group("host") if m else url


def auth_hint(remote_url: str) -> str:
    shown = strip_credentials(remote_url)
    return f"store a token with `gitops-tui auth set {shown}`, or set {ENV_USER} and {ENV_TOKEN}"


# ---- the keyring ---------------------------------------------------------------------
def _backend() -> keyring.backend.KeyringBackend:
    try:
        backend = keyring.get_keyring()
    except keyring.errors.NoKeyringError as e:
        raise NoKeyring() from e
    if isinstance(backend, fail.Keyring):
        raise NoKeyring()
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        raise NoKeyring()
    return backend


def _get(key: str) -> str | None:
    backend = _backend()
    try:
        return backend.get_password(SERVICE, key)
    except keyring.errors.NoKeyringError as e:
        raise NoKeyring() from e
    except keyring.errors.KeyringError as e:
        raise GitError(f"the OS keyring could not be read: {type(e).__name__}") from None


def store_token(remote_url: str, user: str, token: str) -> None:
    """Keep the token for ``<host>/<user>`` and remember ``user`` as the host's default."""
    host = host_key(remote_url)
    backend = _backend()
    try:
        backend.set_password(SERVICE, f"{host}/{user}", token)
        backend.set_password(SERVICE, host, user)
    except keyring.errors.NoKeyringError as e:
        raise NoKeyring() from e
    except keyring.errors.KeyringError as e:
        # The exception text may echo what was being stored: name only the type.
        raise GitError(f"the OS keyring refused the token: {type(e).__name__}") from None


def auth_set(remote_url: str, user: str, token: str) -> None:
    """`gitops-tui auth set <remote>`: store a token for a remote's host."""
    if not user.strip():
        raise GitError("a user name is required")
    if not token:
        raise GitError("an empty token was given")
    store_token(remote_url, user.strip(), token)


def lookup(remote_url: str, user: str | None = None) -> tuple[str, str] | None:
    """(user, token) for a remote: the environment first, then the keyring. The user
    is the URL's when not given."""
    url_user = user if user is not None else parse_remote(remote_url).user
    env_token = os.environ.get(ENV_TOKEN)
    if env_token:
        return os.environ.get(ENV_USER) or url_user or "git", env_token
    host = host_key(remote_url)
    user = url_user or _get(host)
    if not user:
        return None
    token = _get(f"{host}/{user}")
    return (user, token) if token else None


# ---- libgit2 callbacks ---------------------------------------------------------------
def _ssh_keys() -> list[tuple[Path, Path]]:
    ssh = Path.home() / ".ssh"
    found = []
    for name in ("id_ed25519", "id_rsa"):
        private, public = ssh / name, ssh / f"{name}.pub"
        if private.is_file() and public.is_file():
            found.append((private, public))
    return found


class Callbacks(pygit2.RemoteCallbacks):
    """Credentials and push results for one network operation against one remote.

    libgit2 calls `credentials` again each time the server refuses what it got, so
    each call hands out the next candidate and the list running out means the
    remote refused them all: that ends the operation instead of looping.
    """

    def __init__(self, remote: Remote) -> None:
        super().__init__()
        self.remote = remote
        self.remote_url = remote.url
        self.shown_url = remote.shown
        self._origin = origin(remote.url)
        self._candidates: dict[str, list[object]] = {}
        self._offered: list[str] = [s for s in (remote.password, remote.token_user) if s]
        self._only_user_name = False  # the URL's user name was the only candidate
        self.attempts = 0
        self.rejected: dict[str, str] = {}

    def credentials(self, url, username_from_url, allowed_types):
        self.attempts += 1
        # After a redirect libgit2 asks for the new host: a token is for the one configured.
        if self._origin is not None and origin(url or "") != self._origin:
            raise self.redirected(url or "")
        if allowed_types & CredentialType.USERPASS_PLAINTEXT:
            kind = "userpass"
        elif allowed_types & CredentialType.SSH_KEY:
            kind = "ssh"
        elif allowed_types & CredentialType.USERNAME:
            kind = "username"
        else:
            raise self.failure("the remote asks for a kind of credential that is not supported")
        fresh = kind not in self._candidates
        if fresh:
            self._candidates[kind] = self._build(kind, username_from_url)
        queue = self._candidates[kind]
        if not queue:
            if fresh and kind == "userpass":
                raise self.failure("no credentials are stored for it")
            if kind == "userpass" and self._only_user_name:
                raise self.failure(
                    "no credentials are stored for it, and the user name in the URL "
                    "was refused as a token"
                )
            raise self.failure("the remote refused the credentials")
        return queue.pop(0)

    def _build(self, kind: str, username_from_url: str | None) -> list[object]:
        remote = self.remote
        user = remote.user or username_from_url or "git"
        if kind == "userpass":
            if remote.password:
                return [pygit2.UserPass(user, remote.password)]
            out: list[object] = []
            try:
                found = lookup(remote.url, remote.user)
            except NoKeyring:
                if not remote.token_user:
                    raise
                found = None  # the URL's user name may be the token: try it still
            if found is not None:
                self._offered.append(found[1])
                out.append(pygit2.UserPass(*found))
            if remote.token_user:
                # ``https://TOKEN@host/...``: the token as the user name, as GitHub takes it.
                out.append(pygit2.UserPass(remote.token_user, ""))
                self._only_user_name = found is None
            return out
        if kind == "ssh":
            # The agent first (it holds unlocked keys), then unencrypted default key files.
            keys: list[object] = []
            if os.environ.get("SSH_AUTH_SOCK"):
                keys.append(pygit2.KeypairFromAgent(user))
            keys += [pygit2.Keypair(user, str(pub), str(priv), "") for priv, pub in _ssh_keys()]
            return keys
        return [pygit2.Username(user)]

    def failure(self, why: str = "the remote refused the credentials") -> AuthenticationFailed:
        return AuthenticationFailed(
            f"authentication to {self.shown_url} failed: {why}; {auth_hint(self.remote_url)}"
        )

    def redirected(self, url: str) -> AuthenticationFailed:
        scheme, host, port = self._origin or ("", "", 0)
        where = f"{scheme}://{host}" + ("" if port == _DEFAULT_PORTS.get(scheme) else f":{port}")
        return AuthenticationFailed(
            f"authentication to {self.shown_url} failed: it redirected to "
            f"{strip_credentials(url)}, which asks for credentials; they are given only to "
            f"{where} (if the repository moved, use its new URL)"
        )

    def push_update_reference(self, refname: str, message: str | None) -> None:
        # The server refuses a ref here (non-fast-forward, hooks), not by an exception.
        if message:
            self.rejected[refname] = message

    def scrub(self, text: str) -> str:
        """An error text from libgit2 with every offered secret and URL credential removed."""
        for secret in self._offered:
            for form in secret_forms(secret):
                text = text.replace(form, "***")
        if self.remote_url != self.shown_url:
            text = text.replace(self.remote_url, self.shown_url)
        return redact(text)


_AUTH_WORDS = ("authentication", "401", "403", "credentials", "unauthorized", "auth replays")


def network_error(e: Exception, callbacks: Callbacks, doing: str) -> GitError:
    """A libgit2 network error as one clean line naming the remote (never a secret)."""
    text = callbacks.scrub(str(e))
    if any(w in text.lower() for w in _AUTH_WORDS):
        return callbacks.failure()
    return GitError(f"{doing} {callbacks.shown_url} failed: {text}")
