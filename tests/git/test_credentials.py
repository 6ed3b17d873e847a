"""Credentials against a real authenticated HTTP remote and a real keyring backend."""

from __future__ import annotations

import json
from pathlib import Path

import keyring
import pytest
from keyring.backends import chainer, fail

from gitops_tui.cli import main
from gitops_tui.config import Settings
from gitops_tui.errors import GitError
from gitops_tui.git import credentials
from gitops_tui.git import revert as git_revert
from gitops_tui.git.credentials import (
    SERVICE,
    AuthenticationFailed,
    NoKeyring,
    auth_set,
    lookup,
    store_token,
    strip_credentials,
)
from gitops_tui.git.repo import GitRepo, set_network_timeouts
from gitops_tui.redact import redact

from .conftest import BOB, REVERTER, MemoryKeyring, Sample, WorkRepo, deployment, git
from .httpremote import GitHttpServer, Redirector

TOKEN = "s3cret-Token-4f9a"  # what the server accepts for alice (see conftest)
WRONG = "wr0ng-Token-77c1"
AS_USER = "ghp-AsUserName-8d2e"  # what the server accepts as the user name (see conftest)


@pytest.fixture
def remote(sample: Sample, http_server: GitHttpServer) -> tuple[str, Path]:
    url = http_server.serve(sample.origin)
    return url, http_server.root / sample.origin.name


def files_containing(root: Path, secret: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("https://alice:tok@git.example.com/r.git", "https://git.example.com/r.git"),
        ("https://tok@git.example.com:8443/r.git", "https://git.example.com:8443/r.git"),
        ("HTTPS://tok@git.example.com/r.git", "HTTPS://git.example.com/r.git"),
        ("git+https://tok@git.example.com/r.git", "git+https://git.example.com/r.git"),
        # Percent-encoded user and password, and an '@' the operator did not encode.
        ("https://al%40corp:p%40ss%3Aw@git.example.com/r.git", "https://git.example.com/r.git"),
        ("https://alice:p@ss@git.example.com/r.git", "https://git.example.com/r.git"),
        (
            "https://git.example.com/r.git?private_token=tok&ref=main",
            "https://git.example.com/r.git?private_token=***&ref=***",
        ),
        ("https://git.example.com/r.git?tok", "https://git.example.com/r.git?***"),
        (
            "https://tok@git.example.com/r.git?access_token=tok#top",
            "https://git.example.com/r.git?access_token=***#top",
        ),
        ("https://git.example.com/r.git?", "https://git.example.com/r.git?"),
        ("ssh://git:pw@host/r.git", "ssh://git@host/r.git"),
        ("https://git.example.com/org/r@v1.git", "https://git.example.com/org/r@v1.git"),
        ("git@github.com:org/r.git", "git@github.com:org/r.git"),
        ("alice:tok@git.example.com/r.git", "***@git.example.com/r.git"),
        ("/srv/git/r.git", "/srv/git/r.git"),
    ],
)
def test_strip_credentials(given: str, shown: str) -> None:
    assert strip_credentials(given) == shown


def test_redact_every_url_in_a_text() -> None:
    text = (
        "fetching https://alice:tok-1@h.example/r.git failed "
        "(see http://h.example/r.git?token=tok-2), "
        "from https%3A%2F%2Fu%3Atok-3%40h.example%2Fr.git."
    )
    assert redact(text) == (
        "fetching https://h.example/r.git failed (see http://h.example/r.git?token=***), "
        "from https://h.example/r.git."
    )
    assert redact("image nginx:1.25@sha256:abc, user a@b.example") == (
        "image nginx:1.25@sha256:abc, user a@b.example"
    )


def test_settings_show_the_repository_without_credentials() -> None:
    settings = Settings(repo=f"https://alice:{TOKEN}@git.example.com/r.git?key={WRONG}")
    assert settings.shown_repo == "https://git.example.com/r.git?key=***"
    assert TOKEN not in repr(settings) and WRONG not in repr(settings)
    assert "repo='https://git.example.com/r.git?key=***'" in repr(settings)


def test_keyring_entries_and_lookup(memory_keyring: MemoryKeyring) -> None:
    url = "http://127.0.0.1:8123/team/apps.git"
    assert lookup(url) is None
    store_token(url, "alice", TOKEN)
    assert memory_keyring.passwords == {
        (SERVICE, "127.0.0.1:8123/alice"): TOKEN,
        (SERVICE, "127.0.0.1:8123"): "alice",
    }
    assert lookup(url) == ("alice", TOKEN)
    assert lookup("http://127.0.0.1:8123/other.git") == ("alice", TOKEN)  # per host
    assert lookup("http://bob@127.0.0.1:8123/team/apps.git") is None  # user from the URL
    auth_set("http://127.0.0.1:8123/x.git", "bob", "bob-token")
    assert lookup("http://bob@127.0.0.1:8123/team/apps.git") == ("bob", "bob-token")
    assert lookup(url) == ("bob", "bob-token")  # the host's default is the last stored
    assert lookup("http://127.0.0.1:9999/team/apps.git") is None
    with pytest.raises(GitError, match="empty token"):
        auth_set(url, "alice", "")


def test_keyring_credentials_clone_fetch_and_push(
    sample: Sample,
    cache: Path,
    tmp_path: Path,
    remote: tuple[str, Path],
    http_server: GitHttpServer,
    memory_keyring: MemoryKeyring,
) -> None:
    url, origin = remote
    auth_set(url, "alice", TOKEN)

    repo = GitRepo.open(url, cache)
    assert repo.tree("main").exists("apps/web/config.yaml")
    assert 401 in http_server.seen.statuses()  # the remote did ask for credentials
    assert repo.remote_url == url

    other = WorkRepo.clone(origin, tmp_path / "other")
    theirs = other.commit("web: 4 replicas", {"apps/web/deployment.yaml": deployment(4)}, BOB)
    other.push()
    assert repo.fetch() == theirs

    new = git_revert.revert(repo, sample.shas["readme"], REVERTER)
    git_revert.push(repo)
    assert git(origin, "rev-parse", "main") == new
    assert files_containing(cache, TOKEN) == []


def test_wrong_token_is_a_clear_error_without_the_token(
    cache: Path, remote: tuple[str, Path], memory_keyring: MemoryKeyring
) -> None:
    url, _ = remote
    store_token(url, "alice", WRONG)
    with pytest.raises(AuthenticationFailed) as caught:
        GitRepo.open(url, cache)
    message = str(caught.value)
    assert message.startswith(f"authentication to {url} failed: ")
    assert f"gitops-tui auth set {url}" in message
    assert WRONG not in message and WRONG not in repr(caught.value)
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert not cache.exists() or files_containing(cache, WRONG) == []
    assert list(cache.iterdir()) == []  # no half-made clone left behind


def test_no_stored_credentials_names_the_fix(
    cache: Path, remote: tuple[str, Path], memory_keyring: MemoryKeyring
) -> None:
    url, _ = remote
    with pytest.raises(AuthenticationFailed, match="no credentials are stored") as caught:
        GitRepo.open(url, cache)
    assert f"gitops-tui auth set {url}" in str(caught.value)


def test_token_in_the_url_stays_out_of_files_and_messages(
    cache: Path, remote: tuple[str, Path]
) -> None:
    url, _ = remote
    with_token = url.replace("http://", f"http://alice:{TOKEN}@")
    repo = GitRepo.open(with_token, cache)
    assert repo.remote_url == url
    assert TOKEN not in repr(repo)
    assert repo.fetch()
    assert files_containing(cache, TOKEN) == []
    wrong = url.replace("http://", f"http://alice:{WRONG}@")
    with pytest.raises(GitError) as caught:
        GitRepo.open(wrong, cache)
    assert WRONG not in str(caught.value)


@pytest.mark.parametrize(
    "backend", [fail.Keyring, chainer.ChainerBackend], ids=["fail", "empty-chainer"]
)
def test_no_keyring_backend(
    cache: Path, remote: tuple[str, Path], monkeypatch: pytest.MonkeyPatch, backend
) -> None:
    url, _ = remote
    if backend is chainer.ChainerBackend:
        monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    keyring.set_keyring(backend())
    for action in (
        lambda: GitRepo.open(url, cache),
        lambda: auth_set(url, "alice", TOKEN),
        lambda: lookup(url),
    ):
        with pytest.raises(NoKeyring) as caught:
            action()
        message = str(caught.value)
        assert "no OS keyring is available" in message
        assert "pip install keyrings.alt" in message
        assert credentials.ENV_USER in message and credentials.ENV_TOKEN in message


def test_environment_works_without_a_keyring(
    sample: Sample, cache: Path, remote: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, origin = remote
    assert isinstance(keyring.get_keyring(), fail.Keyring)
    monkeypatch.setenv(credentials.ENV_USER, "alice")
    monkeypatch.setenv(credentials.ENV_TOKEN, TOKEN)
    repo = GitRepo.open(url, cache)
    new = git_revert.revert(repo, sample.shas["readme"], REVERTER)
    git_revert.push(repo)
    assert git(origin, "rev-parse", "main") == new

    monkeypatch.setenv(credentials.ENV_TOKEN, WRONG)
    with pytest.raises(AuthenticationFailed) as caught:
        repo.fetch()
    assert WRONG not in str(caught.value)


def test_a_remote_that_stops_answering_is_an_error_naming_it_not_a_hang(
    cache: Path,
    remote: tuple[str, Path],
    http_server: GitHttpServer,
    memory_keyring: MemoryKeyring,
    sample: Sample,
) -> None:
    url, _ = remote
    store_token(url, "alice", TOKEN)
    repo = GitRepo.open(url, cache)
    http_server.answering.clear()
    set_network_timeouts(read=1.0)  # the default (30 s) is too long to wait for here
    try:
        with pytest.raises(GitError) as caught:
            repo.fetch()
    finally:
        set_network_timeouts()
        http_server.answering.set()
    assert str(caught.value) == f"fetching {url} failed: could not read from socket: timed out"
    assert TOKEN not in str(caught.value)
    assert repo.fetch() == sample.work.head()  # answering again: the next fetch works


def test_a_token_as_the_user_name_authenticates_and_stays_out_of_every_file(
    sample: Sample,
    cache: Path,
    tmp_path: Path,
    remote: tuple[str, Path],
    http_server: GitHttpServer,
) -> None:
    url, origin = remote
    with_token = url.replace("http://", f"http://{AS_USER}@")
    repo = GitRepo.open(with_token, cache)  # no keyring here: the URL is all there is
    assert repo.remote_url == url and AS_USER not in repr(repo)
    assert git(repo.path, "config", "remote.origin.url") == url

    other = WorkRepo.clone(origin, tmp_path / "other")
    theirs = other.commit("web: 4 replicas", {"apps/web/deployment.yaml": deployment(4)}, BOB)
    other.push()
    assert repo.fetch() == theirs
    new = git_revert.revert(repo, sample.shas["readme"], REVERTER)
    git_revert.push(repo)
    assert git(origin, "rev-parse", "main") == new
    # The token did authenticate, handed over by the callback from memory.
    assert f"{AS_USER}:" in http_server.seen.credentials
    assert files_containing(cache, AS_USER) == []

    # A clone that holds the token in its configuration loses it at the next open.
    git(repo.path, "config", "remote.origin.url", with_token)
    assert GitRepo.open(with_token, cache).fetch() == new
    assert files_containing(cache, AS_USER) == []

    wrong = url.replace("http://", f"http://{WRONG}@")
    with pytest.raises(AuthenticationFailed) as caught:
        GitRepo.open(wrong, tmp_path / "other-cache")
    message = str(caught.value)
    assert message.startswith(f"authentication to {url} failed: no credentials are stored")
    assert "the user name in the URL was refused as a token" in message
    assert WRONG not in message


def test_a_password_given_percent_encoded_is_sent_decoded(
    cache: Path, tmp_path: Path, sample: Sample
) -> None:
    root = tmp_path / "served-encoded"
    root.mkdir()
    password = "p@ss:w/rd%"
    server = GitHttpServer(root, {"al@corp": password}).start()
    try:
        url = server.serve(sample.origin)
        encoded = url.replace("http://", "http://al%40corp:p%40ss%3Aw%2Frd%25@")
        repo = GitRepo.open(encoded, cache)
        assert repo.remote_url == url
        assert f"al@corp:{password}" in server.seen.credentials
        assert files_containing(cache, "p%40ss") == [] and files_containing(cache, password) == []
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("status", "challenge", "given"),
    [(302, False, "keyring"), (301, False, "url"), (302, True, "url"), (301, True, "keyring")],
    ids=["302-keyring", "301-url", "302-after-auth-url", "301-after-auth-keyring"],
)
def test_a_redirect_to_another_host_gets_no_credentials(
    cache: Path,
    remote: tuple[str, Path],
    http_server: GitHttpServer,
    memory_keyring: MemoryKeyring,
    status: int,
    challenge: bool,
    given: str,
) -> None:
    url, _ = remote  # the second host: it asks for credentials and records them
    first = Redirector(http_server.base, status, challenge).start()
    try:
        configured = first.url(url.rsplit("/", 1)[1])
        if given == "keyring":
            store_token(configured, "alice", TOKEN)
            source = configured
        else:
            source = configured.replace("http://", f"http://alice:{TOKEN}@")
        with pytest.raises(AuthenticationFailed) as caught:
            GitRepo.open(source, cache)
    finally:
        first.stop()
    message = str(caught.value)
    assert message.startswith(
        f"authentication to {configured} failed: it redirected to {http_server.base}/"
    )
    assert f"they are given only to {configured.rsplit('/', 1)[0]}" in message
    assert TOKEN not in message and TOKEN not in repr(caught.value)
    assert 401 in http_server.seen.statuses()  # the redirect was followed; it asked
    assert not any(TOKEN in offered for offered in http_server.seen.credentials)
    # The configured host, and only it, was answered when it asked.
    assert first.seen.credentials == ([f"alice:{TOKEN}"] if challenge else [])
    assert list(cache.iterdir()) == []


def test_a_redirect_on_the_same_host_keeps_its_credentials(
    cache: Path, remote: tuple[str, Path], http_server: GitHttpServer, memory_keyring
) -> None:
    url, _ = remote
    old = http_server.url("renamed-away.git")
    http_server.moved["renamed-away.git"] = url
    store_token(old, "alice", TOKEN)
    repo = GitRepo.open(old, cache)
    assert repo.tree("main").exists("apps/web/config.yaml")
    assert 301 in http_server.seen.statuses()


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_cli_shows_no_token_in_output_or_errors(
    sample: Sample,
    tmp_path: Path,
    remote: tuple[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys,
) -> None:
    url, origin = remote
    monkeypatch.setenv("GITOPS_TUI_CACHE", str(tmp_path / "cli-cache"))
    # An Argo CD Application that names its repository with a token in it.
    sample.work.commit(
        "argo app",
        {
            "argo/web.yaml": (
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
                "metadata:\n  name: web\nspec:\n"
                f"  source:\n    repoURL: https://ci:{WRONG}@git.example.com/platform.git\n"
                "    path: apps/web\n  destination:\n    namespace: web\n"
            )
        },
    )
    sample.work.git("push", "--quiet", str(origin), "main")
    with_token = url.replace("http://", f"http://alice:{TOKEN}@") + f"?private_token={TOKEN}"
    code, out, err = run_cli(capsys, "apps", "--repo", with_token, "-o", "json")
    assert code == 0, err
    (app,) = json.loads(out)["apps"]
    assert app["repo_url"] == "https://git.example.com/platform.git"
    assert TOKEN not in out + err and WRONG not in out + err
    assert files_containing(tmp_path / "cli-cache", TOKEN) == []

    unreachable = f"http://alice:{TOKEN}@127.0.0.1:9/x.git?private_token={TOKEN}"
    code, out, err = run_cli(capsys, "apps", "--repo", unreachable)
    assert code == 1
    assert err.startswith("error: cloning http://127.0.0.1:9/x.git?private_token=*** failed: ")
    assert TOKEN not in out + err

    # Typed without its scheme, as git would read it: ssh to a host named alice.
    code, out, err = run_cli(capsys, "apps", "--repo", f"alice:{TOKEN}@nowhere/x.git")
    assert code == 1
    assert err.startswith("error: cloning ***@nowhere/x.git failed: ") and TOKEN not in err
    code, out, err = run_cli(capsys, "apps", "--repo", f"{TOKEN}@nowhere/x.git")
    assert code == 1
    assert err == "error: no Git repository at '***@nowhere/x.git': not a URL and no such path\n"
