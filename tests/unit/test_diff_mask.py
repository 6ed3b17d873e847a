import base64
import copy

from gitops_tui.diff import MASK, MASK_CHANGED, ChangeKind, Status, diff_extra, diff_object
from gitops_tui.diff.mask import mask_change, mask_object

PLAIN_OLD, PLAIN_NEW = "correct-horse-7", "battery-staple-9"


def b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


def secret(**data: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s", "namespace": "n"},
        "type": "Opaque",
        "data": data,
    }


def assert_no_leak(*texts: str) -> None:
    for text in texts:
        for leaked in (PLAIN_OLD, PLAIN_NEW, b64(PLAIN_OLD), b64(PLAIN_NEW)):
            assert leaked not in text


def test_string_data_compares_with_live_base64_data():
    desired = {**secret(), "stringData": {"pw": PLAIN_OLD}}
    del desired["data"]
    assert diff_object(desired, secret(pw=b64(PLAIN_OLD))).status is Status.SYNCED


def test_changed_secret_value_is_masked_everywhere():
    desired = {**secret(other=b64("x")), "stringData": {"pw": PLAIN_NEW, "added": PLAIN_NEW}}
    live = secret(pw=b64(PLAIN_OLD), other=b64("x"))
    d = diff_object(desired, live)
    assert d.status is Status.OUT_OF_SYNC
    assert {c.path: (c.kind, c.old, c.new) for c in d.changes} == {
        "data.pw": (ChangeKind.CHANGED, MASK, MASK_CHANGED),
        "data.added": (ChangeKind.ADDED, None, MASK),
    }
    assert "-  pw: '***'\n+  pw: '*** (changed)'\n" in d.unified
    assert_no_leak(d.unified, repr(d.changes), repr(d))


def test_missing_and_extra_secrets_are_masked():
    desired = {**secret(), "stringData": {"pw": PLAIN_OLD}}
    live = secret(pw=b64(PLAIN_NEW))
    live["metadata"]["annotations"] = {
        "kubectl.kubernetes.io/last-applied-configuration": f'{{"stringData":{{"pw":"{PLAIN_NEW}"}}}}'
    }
    missing, extra = diff_object(desired, None), diff_extra(live)
    assert (missing.status, extra.status) == (Status.MISSING, Status.EXTRA)
    assert_no_leak(missing.unified, extra.unified)
    assert "pw: '***'" in missing.unified and "pw: '***'" in extra.unified


def test_a_whole_data_map_change_is_masked():
    desired = secret(pw=b64(PLAIN_NEW))
    live = copy.deepcopy(desired)
    del live["data"]
    d = diff_object(desired, live)
    assert [(c.path, c.new) for c in d.changes] == [("data", {"pw": MASK})]
    assert_no_leak(d.unified, repr(d.changes))


def test_mask_functions():
    assert mask_change(("data", "k"), "a", "b") == (MASK, MASK_CHANGED)
    assert mask_change(("spec", "k"), "a", "b") == ("a", "b")
    assert mask_change(("data",), {"k": "a"}, None) == ({"k": MASK}, None)
    masked = mask_object({"data": {"a": "1", "b": "2"}}, compare_to={"data": {"a": "1", "b": "3"}})
    assert masked["data"] == {"a": MASK, "b": MASK_CHANGED}


def test_configmaps_are_not_masked():
    desired = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c"},
        "data": {"k": "new"},
    }
    live = {**desired, "data": {"k": "old"}}
    assert diff_object(desired, live).changes[0].old == "old"
