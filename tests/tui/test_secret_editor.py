"""`e`: a SealedSecret edited in the UI is sealed, committed, pushed, synced by the
reconciler and unsealed by the real controller, and its plaintext is nowhere on disk."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

from kubernetes import client
from textual.widgets import DataTable

from gitops_tui.secrets.cert import open_cert
from gitops_tui.secrets.crypto import Scope
from gitops_tui.secrets.sealedsecret import seal
from gitops_tui.tui.app import GitOpsApp
from tests.support import Repo, Running, git, unavailable
from tests.tui.test_app import SIZE, row, wait_for


def secret_value(api_client, ns: str, name: str, key: str) -> str | None:
    try:
        data = client.CoreV1Api(api_client).read_namespaced_secret(name, ns).data or {}
    except client.ApiException:
        return None
    return base64.b64decode(data[key]).decode() if key in data else None


async def test_e_edits_seals_pushes_and_the_controller_unseals(
    api_client, repo: Repo, make_service, sealed_secrets: Running, tmp_path: Path
) -> None:
    if sealed_secrets.proxy_error:
        unavailable(f"no service proxy to the controller: {sealed_secrets.proxy_error}")
    cert = open_cert(None, api=api_client)
    ss = seal(
        {"DB_USER": b"shop"},
        namespace=repo.ns,
        name="db",
        scope=Scope.STRICT,
        public_key=cert.public_key,
    )
    (repo.work / "shop" / "sealed-db.yaml").write_bytes(
        b"# database credentials, sealed for the controller\n" + ss.serialize()
    )
    repo.commit("shop: database credentials")
    plaintext = f"tok-{uuid.uuid4().hex}"

    svc = make_service(repo)
    app = GitOpsApp(svc, fetch_interval=0.5)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: row(app, repo.app), "the app row")
        await wait_for(pilot, lambda: secret_value(api_client, repo.ns, "db", "DB_USER"), "sync")
        await pilot.press("e")
        await wait_for(pilot, lambda: app.screen.id == "secret-screen", "the editor")
        keys = app.screen.query_one("#secret-keys", DataTable)
        assert [str(c) for c in keys.get_row_at(0)] == ["DB_USER", "sealed", "••••••••"]

        await pilot.press("a")
        await wait_for(pilot, lambda: app.screen.id == "secret-value-modal", "the value modal")
        await pilot.press(*"API_TOKEN", "enter", *plaintext)
        app.save_screenshot("typing.svg", str(tmp_path))  # the value is masked on screen
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.id == "secret-screen", "back in the editor")
        assert [str(c) for c in keys.get_row_at(1)] == ["API_TOKEN", "new", "••••••••"]
        app.save_screenshot("editor.svg", str(tmp_path))
        # A value can come from a file instead (a TLS key, say).
        from_file = f"file-{uuid.uuid4().hex}"
        (tmp_path / "tls.key").write_text(from_file)
        await pilot.press("a")
        await wait_for(pilot, lambda: app.screen.id == "secret-value-modal", "the value modal")
        await pilot.press(*"TLS_KEY", "enter", "tab", *str(tmp_path / "tls.key"), "enter")
        await wait_for(pilot, lambda: keys.row_count == 3, "the key from the file")

        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen.id == "save-secret", "the save confirm")
        await pilot.press("y")
        subject = f"secrets: update {repo.ns}/db (keys: API_TOKEN, TLS_KEY)"
        await wait_for(
            pilot,
            lambda: git(repo.origin, "log", "-1", "--format=%s") == subject,
            "the commit in the remote",
        )
        # The reconciler syncs the new commit; the real controller unseals it.
        await wait_for(
            pilot,
            lambda: secret_value(api_client, repo.ns, "db", "API_TOKEN") == plaintext,
            "the updated Secret",
            deadline=40,
        )
        assert secret_value(api_client, repo.ns, "db", "DB_USER") == "shop"
        assert secret_value(api_client, repo.ns, "db", "TLS_KEY") == from_file

    # The committed file kept its comment and the untouched ciphertext.
    committed = git(repo.origin, "show", "HEAD:shop/sealed-db.yaml")
    assert committed.startswith("# database credentials, sealed for the controller")
    assert ss.encrypted_data["DB_USER"] in committed
    # Plaintext hygiene: no file written during the session holds the value, in any
    # encoding an accident could produce.
    needles = [plaintext.encode(), base64.b64encode(plaintext.encode())]
    for path in [*tmp_path.rglob("*"), *repo.origin.rglob("*")]:
        if path.is_file():
            data = path.read_bytes()
            assert not any(n in data for n in needles), path
    # Git objects are compressed on disk: read every commit's patch in clear too.
    history = git(repo.origin, "log", "-p", "--all")
    assert "API_TOKEN" in history and plaintext not in history
    records = [r for r in svc.audit.records("*") if r.action == "secret"]
    assert records and "API_TOKEN" in records[-1].message


async def test_c_x_n_o_and_v_change_remove_rename_rescope_and_reveal(
    api_client, repo: Repo, make_service, sealed_secrets: Running
) -> None:
    if sealed_secrets.proxy_error:
        unavailable(f"no service proxy to the controller: {sealed_secrets.proxy_error}")
    cert = open_cert(None, api=api_client)
    values = {"A": b"alpha", "B": b"bravo", "C": b"charlie", "E": b"echo"}
    ss = seal(values, namespace=repo.ns, name="kv", scope=Scope.STRICT, public_key=cert.public_key)
    (repo.work / "shop" / "sealed-kv.yaml").write_bytes(ss.serialize())
    repo.commit("shop: four sealed values")
    changed = f"new-{uuid.uuid4().hex}"

    app = GitOpsApp(make_service(repo), fetch_interval=0.5)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: secret_value(api_client, repo.ns, "kv", "E"), "sync")
        await pilot.press("e")
        await wait_for(pilot, lambda: app.screen.id == "secret-screen", "the editor")
        keys = app.screen.query_one("#secret-keys", DataTable)

        def table() -> dict[str, str]:
            return {str(r[0]): str(r[1]) for r in map(keys.get_row_at, range(keys.row_count))}

        def title() -> str:
            return str(app.screen.query_one("#secret-title").render())

        assert table() == dict.fromkeys("ABCE", "sealed")
        # v on E: confirmed, then the value the controller would unseal.
        keys.move_cursor(row=3)
        await pilot.press("v")
        await wait_for(pilot, lambda: app.screen.id == "reveal-confirm", "the reveal confirm")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen.id == "revealed", "the value")
        shown = str(app.screen.query_one(".dialog-body Static").render())
        assert shown == "echo"
        await pilot.press("y")  # Close
        await wait_for(pilot, lambda: app.screen.id == "secret-screen", "back in the editor")
        # c on A: a new value, typed masked.
        keys.move_cursor(row=0)
        await pilot.press("c")
        await wait_for(pilot, lambda: app.screen.id == "secret-value-modal", "the value modal")
        await pilot.press(*changed, "enter")
        await wait_for(pilot, lambda: table()["A"] != "sealed", "A changed")
        # x on B, n on C (to D), o: strict -> namespace-wide.
        keys.move_cursor(row=1)
        await pilot.press("x")
        await wait_for(pilot, lambda: table().get("B", "").startswith("removed"), "B removed")
        keys.move_cursor(row=2)
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen.id == "secret-name-modal", "the rename")
        await pilot.press("ctrl+u", "D", "enter")
        await wait_for(pilot, lambda: "D" in table(), "C renamed to D")
        await pilot.press("o")
        await wait_for(pilot, lambda: "strict → namespace-wide" in title(), "the new scope")
        assert "(unsaved changes)" in title()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen.id == "save-secret", "the save confirm")
        await pilot.press("y")
        # The controller unseals what the editor pushed.
        await wait_for(
            pilot,
            lambda: secret_value(api_client, repo.ns, "kv", "A") == changed,
            "the new Secret",
            deadline=40,
        )
        assert secret_value(api_client, repo.ns, "kv", "D") == "charlie"
        assert secret_value(api_client, repo.ns, "kv", "E") == "echo"
        assert secret_value(api_client, repo.ns, "kv", "B") is None
        assert secret_value(api_client, repo.ns, "kv", "C") is None
    committed = git(repo.origin, "show", "HEAD:shop/sealed-kv.yaml")
    assert "sealedsecrets.bitnami.com/namespace-wide" in committed
    assert changed not in git(repo.origin, "log", "-p", "--all")
