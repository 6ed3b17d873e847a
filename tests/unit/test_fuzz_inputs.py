"""Property-based: whatever a repository holds, rendering and discovery either succeed
or fail with a GitOpsError that is one line naming the file, never another exception.

Arbitrary YAML values go into every kustomization field, into the manifests it reads,
and into every field discovery reads from Argo CD Applications, Flux Kustomizations
(and their GitRepository) and gitops-tui.yaml, through the real code path on a real
folder. Deterministic (derandomize) and bounded, so it runs with the default suite.

Values stay far below the nesting limit: alias bombs and size limits are the YAML
loader's own tests.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gitops_tui.apps import discover
from gitops_tui.errors import GitOpsError, SourceError, UnexpectedError
from gitops_tui.render import render
from gitops_tui.render.images import with_images
from gitops_tui.source import FsTree

# Per field group; GITOPS_FUZZ_EXAMPLES=5000 (and GITOPS_FUZZ_RANDOM=1 for new inputs
# on every run) searches longer by hand.
EXAMPLES = int(os.environ.get("GITOPS_FUZZ_EXAMPLES", "200"))
TRIED: Counter[str] = Counter()

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("GITOPS_FUZZ_RANDOM"),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Words the code looks for, so that generated values reach past the first check.
WORDS = [
    *["", "(", "[", "*", ".*", "..", "../..", "/", "-", "~", "=", "a=b", "x=../../etc/passwd"],
    *["cm.yaml", "deploy.yaml", "patch.yaml", "ops.yaml", "app.env", "file.txt", "missing"],
    *["ConfigMap", "Deployment", "Secret", "Namespace", "v1", "apps/v1", "apps"],
    *["web", "config", "shop", "default", "create", "merge", "replace", "delete"],
    *["$patch", "/spec/replicas", "/metadata", "/data/x", "", "/", "add", "remove", "test"],
    *["copy", "move", "app=web", "app in (web)", "!app", "nginx", "nginx:1.27", "sha256:ab"],
    *["true", "null", "0", "1.0", "HEAD", "main", "GitRepository", "flux-system"],
    *["CreateNamespace=true", "ServerSideApply=true", "https://kubernetes.default.svc"],
]
KEYS = [
    *["name", "namespace", "path", "patch", "target", "options", "kind", "group", "version"],
    *["labelSelector", "annotationSelector", "newName", "newTag", "digest", "count"],
    *["literals", "files", "envs", "env", "behavior", "type", "labels", "annotations"],
    *["disableNameSuffixHash", "immutable", "pairs", "includeSelectors", "includeTemplates"],
    *["fields", "create", "op", "value", "from", "apiVersion", "metadata", "spec", "data"],
    *["replicas", "selector", "matchLabels", "template", "containers", "image", "$patch"],
    *["source", "destination", "syncPolicy", "automated", "prune", "selfHeal", "allowEmpty"],
    *["syncOptions", "repoURL", "targetRevision", "kustomize", "images", "directory"],
    *["recurse", "ignoreDifferences", "jsonPointers", "server", "sourceRef", "suspend"],
    *["targetNamespace", "interval", "url", "ref", "branch", "tag", "commit", "apps"],
    *["helm", "releaseName", "valueFiles", "values", "valuesObject", "parameters"],
    *["fileParameters", "forceString", "skipCrds", "skipTests", "kubeVersion", "apiVersions"],
]
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=10)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
    | st.sampled_from(WORDS)
)
VALUES = st.recursive(
    SCALARS,
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.sampled_from(KEYS) | TEXT, kids, max_size=4)
    ),
    max_leaves=16,
)
# Shapes close to valid ones: a list of mappings with the fields the code reads.
NEAR = st.lists(st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=5), max_size=3)
ANY = VALUES | NEAR | st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=5)

CM = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "config"}, "data": {"a": "b"}}
DEPLOY = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "labels": {"app": "web"}},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "containers": [{"name": "main", "image": "nginx:1.27"}],
                "volumes": [{"name": "c", "configMap": {"name": "config"}}],
            },
        },
    },
}
SIDE_FILES = {
    "app/cm.yaml": yaml.safe_dump(CM),
    "app/deploy.yaml": yaml.safe_dump(DEPLOY),
    "app/patch.yaml": yaml.safe_dump({**DEPLOY, "spec": {"replicas": 3}}),
    "app/ops.yaml": "- {op: replace, path: /spec/replicas, value: 5}\n",
    "app/app.env": "A=1\nB=two\n",
    "app/file.txt": "hello\n",
}
KUSTOMIZE_GROUPS = {
    "resources": ["resources", "bases", "components"],
    "patches": ["patches", "patchesStrategicMerge", "patchesJson6902"],
    "generators": ["configMapGenerator", "secretGenerator", "generatorOptions"],
    "metadata transformers": ["commonLabels", "labels", "commonAnnotations"],
    "names": ["namePrefix", "nameSuffix", "namespace"],
    "images and replicas": ["images", "replicas"],
    "kustomize binary fields": [
        *["replacements", "crds", "configurations", "transformers", "helmCharts"],
        *["generators", "validators", "vars", "openapi", "sortOptions", "helmGlobals"],
    ],
    "the kustomization itself": ["apiVersion", "kind", "metadata", "buildMetadata", "unknown"],
}


@pytest.fixture(scope="module", autouse=True)
def report() -> Iterator[None]:
    yield
    total = sum(TRIED.values())
    print(f"\nfuzz: {total} inputs tried: " + ", ".join(f"{k} {v}" for k, v in TRIED.items()))


def write(root: Path, files: dict[str, str]) -> FsTree:
    for old in sorted(root.rglob("*"), reverse=True):
        old.unlink() if old.is_file() else old.rmdir()
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return FsTree(root)


def dump(value: Any) -> str:
    return yaml.safe_dump(value, sort_keys=False, allow_unicode=True)


def assert_one_line_naming_a_file(e: BaseException, files: dict[str, str]) -> None:
    """The contract: a GitOpsError on one line, naming a file of the tree (or the app's
    path) as its first word; never an exception nobody foresaw."""
    assert isinstance(e, GitOpsError), f"{type(e).__name__}: {e}"
    assert not isinstance(e, UnexpectedError), str(e)
    assert isinstance(e, SourceError), f"{type(e).__name__} names no file: {e}"
    text = str(e)
    assert "\n" not in text and "\r" not in text, text
    named = e.file.split(" ")[0]  # "app (rendered by kubectl)"
    assert named in files or any(f.startswith(named) for f in files) or named == ".", text


def render_checked(root: Path, files: dict[str, str], path: str = "app", **kw) -> None:
    tree = write(root, files)
    try:
        render(tree, path, **kw)
    except Exception as e:
        assert_one_line_naming_a_file(e, files)


@pytest.fixture(scope="module")
def root() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="gitops-fuzz-") as tmp:
        yield Path(tmp)


@pytest.mark.parametrize("group", KUSTOMIZE_GROUPS, ids=list(KUSTOMIZE_GROUPS))
def test_any_kustomization_field_value(group: str, root: Path) -> None:
    fields = KUSTOMIZE_GROUPS[group]

    @FUZZ
    @given(st.dictionaries(st.sampled_from(fields), ANY, min_size=1, max_size=len(fields)))
    def run(values: dict[str, Any]) -> None:
        TRIED[group] += 1
        k: dict[str, Any] = {"resources": ["cm.yaml", "deploy.yaml"]}
        k.update(values)
        render_checked(root, {**SIDE_FILES, "app/kustomization.yaml": dump(k)})

    run()


@pytest.mark.parametrize("kustomize", [True, False], ids=["kustomize", "plain"])
def test_any_manifest_identity(kustomize: bool, root: Path) -> None:
    @FUZZ
    @given(
        st.dictionaries(
            st.sampled_from(["apiVersion", "kind", "metadata", "spec", "data", "items"]),
            ANY,
            max_size=4,
        ),
        st.dictionaries(
            st.sampled_from(["name", "namespace", "labels", "annotations", "generateName"]),
            ANY,
            max_size=4,
        ),
    )
    def run(obj: dict[str, Any], meta: dict[str, Any]) -> None:
        TRIED[f"manifests ({'kustomize' if kustomize else 'plain'})"] += 1
        doc = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", **meta}}
        doc.update(obj)
        files = {"app/cm.yaml": yaml.safe_dump(CM), "app/odd.yaml": dump(doc)}
        if kustomize:
            files["app/kustomization.yaml"] = dump(
                {"resources": ["cm.yaml", "odd.yaml"], "namePrefix": "p-", "commonLabels": {}}
            )
        render_checked(root, files)

    run()


ARGO_FIELDS = {
    "metadata": ["name", "namespace"],
    "spec": ["project", "source", "sources", "destination", "syncPolicy", "ignoreDifferences"],
    "spec.source": ["repoURL", "path", "targetRevision", "chart", "kustomize", "directory"],
    "spec.source.helm": [
        *["releaseName", "namespace", "valueFiles", "ignoreMissingValueFiles", "values"],
        *["valuesObject", "parameters", "fileParameters", "skipCrds", "skipTests", "version"],
        *["skipSchemaValidation", "kubeVersion", "apiVersions", "passCredentials"],
    ],
    "spec.syncPolicy": ["automated", "syncOptions"],
}


def argo(values: dict[str, dict[str, Any]]) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "source": {"path": "app", "kustomize": {"images": ["nginx=nginx:1.28"]}},
        "destination": {"server": "https://kubernetes.default.svc", "namespace": "shop"},
        "syncPolicy": {"automated": {"prune": True}},
    }
    spec.update(values.get("spec", {}))
    for sub in ("source", "syncPolicy"):
        if isinstance(spec.get(sub), dict):
            spec[sub] = {**spec[sub], **values.get(f"spec.{sub}", {})}
    if "spec.source.helm" in values and isinstance(spec.get("source"), dict):
        spec["source"] = {**spec["source"], "helm": values["spec.source.helm"]}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "web", **values.get("metadata", {})},
        "spec": spec,
    }


def flux(values: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "GitRepository",
            "metadata": {"name": "shop", "namespace": "flux-system", **values.get("gr", {})},
            "spec": {"url": "https://git.example.com/shop.git", **values.get("gr.spec", {})},
        },
        {
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
            "kind": "Kustomization",
            "metadata": {"name": "web", "namespace": "flux-system", **values.get("metadata", {})},
            "spec": {
                "path": "./app",
                "sourceRef": {"kind": "GitRepository", "name": "shop"},
                **values.get("spec", {}),
            },
        },
    ]


FLUX_FIELDS = {
    "metadata": ["name", "namespace"],
    "spec": ["path", "prune", "suspend", "targetNamespace", "interval", "sourceRef", "wait"],
    "gr": ["name", "namespace"],
    "gr.spec": ["url", "ref"],
}
CONFIG_FIELDS = {
    "app": [
        *["name", "path", "namespace", "context", "targetRevision", "prune", "selfHeal"],
        *["autoSync", "allowEmpty", "createNamespace", "recurse", "ignoreDifferences"],
        "helm",
    ]
}


def field_values(groups: dict[str, list[str]]) -> st.SearchStrategy[dict[str, dict[str, Any]]]:
    return st.fixed_dictionaries(
        {},
        optional={
            g: st.dictionaries(st.sampled_from(keys), ANY, max_size=3) for g, keys in groups.items()
        },
    )


def discover_checked(root: Path, files: dict[str, str]) -> None:
    """discover() never raises; every error and every app's error is one line naming
    a file; every app found renders (with Argo CD's image overrides) or says why."""
    all_files = {**SIDE_FILES, "app/kustomization.yaml": "resources: [cm.yaml]\n", **files}
    tree = write(root, all_files)
    found = discover(tree)
    for e in found.errors:
        assert_one_line_naming_a_file(e, all_files)
    for app in found.apps:
        if app.error:
            assert "\n" not in app.error and app.error.split(":")[0] in all_files, app.error
            continue
        try:
            render(with_images(tree, app.path, app.images), app.path, recurse=app.recurse)
        except Exception as e:
            assert_one_line_naming_a_file(e, {**all_files, app.path or ".": ""})


@pytest.mark.parametrize(
    "kind, groups",
    [("argocd", ARGO_FIELDS), ("flux", FLUX_FIELDS), ("gitops-tui.yaml", CONFIG_FIELDS)],
    ids=["argocd Application", "flux Kustomization", "gitops-tui.yaml"],
)
def test_any_app_declaration_field_value(kind: str, groups: dict, root: Path) -> None:
    @FUZZ
    @given(field_values(groups))
    def run(values: dict[str, dict[str, Any]]) -> None:
        TRIED[kind] += 1
        if kind == "argocd":
            files = {"apps/web.yaml": dump(argo(values))}
        elif kind == "flux":
            files = {"clusters/web.yaml": yaml.safe_dump_all(flux(values), sort_keys=False)}
        else:
            app = {"name": "web", "path": "app", **values.get("app", {})}
            files = {"gitops-tui.yaml": dump({"apps": [app, {"name": "ok", "path": "app"}]})}
        discover_checked(root, files)

    run()


CONTAINERS = (
    st.lists(
        st.dictionaries(
            st.sampled_from(["name", "image", "ports", "env", "$patch", "command"]),
            VALUES | st.sampled_from(["main", "side"]),
            max_size=4,
        ),
        max_size=3,
    )
    | VALUES
)
POD_SPEC = st.fixed_dictionaries(
    {},
    optional={"containers": CONTAINERS, "initContainers": CONTAINERS, "volumes": ANY},
)
DEPLOYMENT_SPEC = st.fixed_dictionaries(
    {},
    optional={
        "replicas": VALUES,
        "selector": ANY,
        "template": st.fixed_dictionaries({}, optional={"metadata": ANY, "spec": POD_SPEC})
        | VALUES,
        "$patch": st.sampled_from(["delete", "replace", "merge"]) | VALUES,
    },
)


@pytest.mark.parametrize("field", ["patchesStrategicMerge", "patches"])
def test_any_strategic_merge_patch(field: str, root: Path) -> None:
    @FUZZ
    @given(DEPLOYMENT_SPEC, ANY)
    # Found by a longer run: a merge key that is a list was a TypeError (unhashable).
    @example(spec={"template": {"spec": {"containers": [{"name": []}]}}}, metadata=[])
    @example(spec={"template": {"spec": {"containers": [{"name": {"a": 1}}]}}}, metadata=[])
    def run(spec: dict[str, Any], metadata: Any) -> None:
        TRIED[f"strategic merge patches ({field})"] += 1
        patch = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}}
        patch["spec"] = spec
        if isinstance(metadata, dict):
            patch["metadata"] = {**metadata, "name": "web"}
        entry: Any = "patch.yaml" if field == "patchesStrategicMerge" else {"path": "patch.yaml"}
        k = {"resources": ["cm.yaml", "deploy.yaml"], field: [entry]}
        files = {**SIDE_FILES, "app/patch.yaml": dump(patch), "app/kustomization.yaml": dump(k)}
        render_checked(root, files)

    run()


POINTERS = (
    st.sampled_from(
        [
            *["", "/", "/spec/replicas", "/spec/template/spec/containers/0", "/metadata/name"],
            *["/spec/template/spec/containers/-", "/spec/template/spec/containers/9", "/kind"],
            *["/metadata/labels", "/metadata/labels/app", "/metadata", "/spec/x/y", "/a~1b~0"],
            "/spec/template/spec/containers/0/image",
        ]
    )
    | TEXT
)
OPS = st.lists(
    st.fixed_dictionaries(
        {"op": st.sampled_from(["add", "remove", "replace", "move", "copy", "test"]) | VALUES},
        optional={"path": POINTERS | VALUES, "from": POINTERS | VALUES, "value": ANY},
    )
    | VALUES,
    max_size=4,
)


@pytest.mark.parametrize("field", ["patchesJson6902", "patches"])
def test_any_json_patch(field: str, root: Path) -> None:
    @FUZZ
    @given(OPS, ANY)
    # Found by the fuzzer: `remove` with no path was an IndexError.
    @example(ops=[{"op": "remove"}], target=None)
    def run(ops: list[Any], target: Any) -> None:
        TRIED[f"JSON patches ({field})"] += 1
        if not isinstance(target, dict):
            target = {"kind": "Deployment"}
        k = {
            "resources": ["cm.yaml", "deploy.yaml"],
            field: [{"path": "ops.yaml", "target": target}],
        }
        files = {**SIDE_FILES, "app/ops.yaml": dump(ops), "app/kustomization.yaml": dump(k)}
        render_checked(root, files)

    run()
