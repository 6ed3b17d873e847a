"""Credentials for Git remotes: the OS keyring, or environment variables for CI.

Tokens live only in the keyring (service ``gitops-tui``, key ``<host>/<user>``, plus an
index entry ``<host>`` -> user) or in memory. They never reach a message, a log line or
a file: every URL shown is passed through `strip_credentials`, and every libgit2 error
text is scrubbed of the secrets that were offered.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import keyring
import keyring.errors
import pygit2
from keyring.backends import chainer, fail
from pygit2.enums import CredentialType

from gitops_tui.errors import GitError

SERVICE = "gitops-tui"
ENV_USER = "GITOPS_TUI_GIT_USERNAME"
ENV_TOKEN = "GITOPS_TUI_GIT_TOKEN"

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# scp-like syntax, as git reads it: [user@]host:path with no slash before the colon.
_SCP = re.compile(r"^(?:(?P<user>[^@/]+)@)?(?P<host>[^@/:]+):(?P<path>.*)$")


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


def strip_credentials(url: str) -> str:
    """The URL safe to show: no password, and for http(s) no user either (a token is
    often passed as the user name)."""
    if not _SCHEME.match(url):
        return url
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    userinfo, host = parts.netloc.rsplit("@", 1)
    user = userinfo.split(":", 1)[0]
    netloc = host if parts.scheme in ("http", "https") else f"{user}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def split_userinfo(url: str) -> tuple[str, str | None, str | None]:
    """(URL with at most a user name in it, user, password) for a scheme URL."""
    if not _SCHEME.match(url):
        m = _SCP.match(url)
        return url, (m.group("user") if m else None), None
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None, None
    userinfo, host = parts.netloc.rsplit("@", 1)
    user, _, password = userinfo.partition(":")
    netloc = f"{user}@{host}" if user else host
    clean = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return clean, (user or None), (password or None)


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


def lookup(remote_url: str) -> tuple[str, str] | None:
    """(user, token) for a remote: the environment first, then the keyring."""
    _, url_user, _ = split_userinfo(remote_url)
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

    def __init__(self, remote_url: str, secret: tuple[str, str] | None = None) -> None:
        super().__init__()
        self.remote_url = remote_url
        self.shown_url = strip_credentials(remote_url)
        self._secret = secret  # a user:password given in the source URL itself
        self._candidates: dict[str, list[object]] = {}
        self._offered: list[str] = [secret[1]] if secret else []
        self.attempts = 0
        self.rejected: dict[str, str] = {}

    def credentials(self, url, username_from_url, allowed_types):
        self.attempts += 1
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
            raise self.failure("the remote refused the credentials")
        return queue.pop(0)

    def _build(self, kind: str, username_from_url: str | None) -> list[object]:
        user = username_from_url or "git"
        if kind == "userpass":
            found = self._secret or lookup(self.remote_url)
            if found is None:
                return []
            self._offered.append(found[1])
            return [pygit2.UserPass(*found)]
        if kind == "ssh":
            # The agent first (it holds unlocked keys), then unencrypted default key files.
            out: list[object] = []
            if os.environ.get("SSH_AUTH_SOCK"):
                out.append(pygit2.KeypairFromAgent(user))
            out += [pygit2.Keypair(user, str(pub), str(priv), "") for priv, pub in _ssh_keys()]
            return out
        return [pygit2.Username(user)]

    def failure(self, why: str = "the remote refused the credentials") -> AuthenticationFailed:
        return AuthenticationFailed(
            f"authentication to {self.shown_url} failed: {why}; {auth_hint(self.remote_url)}"
        )

    def push_update_reference(self, refname: str, message: str | None) -> None:
        # The server refuses a ref here (non-fast-forward, hooks), not by an exception.
        if message:
            self.rejected[refname] = message

    def scrub(self, text: str) -> str:
        """An error text from libgit2 with the URL and every offered secret removed."""
        for secret in self._offered:
            if secret:
                text = text.replace(secret, "***")
        if self.remote_url != self.shown_url:
            text = text.replace(self.remote_url, self.shown_url)
        return text


_AUTH_WORDS = ("authentication", "401", "403", "credentials", "unauthorized", "auth replays")


def network_error(e: Exception, callbacks: Callbacks, doing: str) -> GitError:
    """A libgit2 network error as one clean line naming the remote (never a secret)."""
    text = callbacks.scrub(str(e))
    if any(w in text.lower() for w in _AUTH_WORDS):
        return callbacks.failure()
    return GitError(f"{doing} {callbacks.shown_url} failed: {text}")
