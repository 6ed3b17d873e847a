"""helmCharts: kustomize's HelmChartInflationGenerator, with helm itself rendering.

As `kustomize build --enable-helm` does (api/internal/builtins/
HelmChartInflationGenerator.go, kustomize v5): the chart is `<chartHome>/<name>`
(`<chartHome>/<name>-<version>/<name>` when a repo and version are given), chartHome
defaulting to `charts` in the kustomization's folder; the values file (valuesFile, or
the chart's values.yaml) is copied, or merged with valuesInline (valuesMerge), and
passed with `-f` before additionalValuesFiles; `helm template` runs with the release
name (or --generate-name), namespace, nameTemplate, apiVersions, kubeVersion,
includeCRDs, skipTests and skipHooks; its output joins the resources after the
ConfigMap and Secret generators. A chart that is not in the repository is left to the
kustomize binary (and refused there unless remote resources are allowed).
"""

from __future__ import annotations

import posixpath
from typing import Any

from ...errors import RenderError
from ...source import SourceTree

# The module, not its names: render.helm itself imports from this package.
from .. import helm as engine
from .confine import check_charts
from .helm_values import merged_values
from .load import Kustomization, Unsupported
from .paths import local_path, resolve
from .resources import ResMap, Resource

# The fields of kustomize's types.HelmChart and types.HelmGlobals (strict: any other
# key fails the build, as kustomize's "json: unknown field").
CHART_FIELDS = frozenset(
    {
        "name",
        "version",
        "repo",
        "releaseName",
        "namespace",
        "additionalValuesFiles",
        "valuesFile",
        "valuesInline",
        "valuesMerge",
        "includeCRDs",
        "skipHooks",
        "apiVersions",
        "kubeVersion",
        "nameTemplate",
        "skipTests",
        "debug",
    }
)
GLOBAL_FIELDS = frozenset({"chartHome", "configHome"})
# The older field, as kustomize's FixKustomization maps it onto helmCharts.
OLD_FIELDS = {
    "chartName": "name",
    "chartVersion": "version",
    "chartRepoUrl": "repo",
    "values": "valuesFile",
    "valuesLocal": "valuesInline",
    "valuesMerge": "valuesMerge",
    "releaseName": "releaseName",
}
OLD_IGNORED = frozenset({"chartHome", "helmHome", "chartRepoName", "helmBin"})
OLD_UNUSED = frozenset({"releaseNamespace", "extraArgs"})
MERGE_MODES = ("merge", "override", "replace")


def _strict(k: Kustomization, what: str, entry: Any, known: frozenset[str], line) -> dict:
    if not isinstance(entry, dict):
        raise RenderError(k.file, f"invalid Kustomization: {what} must be a mapping", line)
    for key in entry:
        if key not in known:
            raise RenderError(
                k.file, f"invalid Kustomization: {what}: unknown field {str(key)!r}", line
            )
    return entry


def _charts(k: Kustomization) -> tuple[dict, list[tuple[dict, int | None]]]:
    """helmGlobals and every chart, the older helmChartInflationGenerator's mapped on."""
    globals_ = dict(
        _strict(k, "helmGlobals", k.get("helmGlobals") or {}, GLOBAL_FIELDS, k.line("helmGlobals"))
    )
    charts = [
        (
            _strict(k, "helmCharts", c, CHART_FIELDS, k.line("helmCharts", i)),
            k.line("helmCharts", i),
        )
        for i, c in enumerate(k.get("helmCharts") or [])
    ]
    old_globals: dict[str, str] = {}
    for i, old in enumerate(k.get("helmChartInflationGenerator") or []):
        line = k.line("helmChartInflationGenerator", i)
        known = frozenset(OLD_FIELDS) | OLD_IGNORED | OLD_UNUSED
        old = _strict(k, "helmChartInflationGenerator", old, known, line)
        charts.append(({new: old[key] for key, new in OLD_FIELDS.items() if key in old}, line))
        # The last non-empty wins, and only when helmGlobals is absent.
        if old.get("chartHome"):
            old_globals["chartHome"] = str(old["chartHome"])
        if old.get("helmHome"):
            old_globals["configHome"] = str(old["helmHome"])
    if not k.get("helmGlobals") and old_globals:
        globals_ = old_globals
    return globals_, charts


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def generate(tree: SourceTree, k: Kustomization, rm: ResMap) -> None:
    """Inflate every chart of the kustomization into `rm`."""
    if not (k.get("helmCharts") or k.get("helmChartInflationGenerator")):
        if k.get("helmGlobals") is not None:
            _charts(k)  # checked, though it inflates nothing
            check_charts(tree, k)
        return
    globals_, charts = _charts(k)
    check_charts(tree, k)  # every path in the repository, as for the binary
    for chart, line in charts:
        for obj in inflate(tree, k, globals_, chart, line):
            if not (obj.get("metadata") or {}).get("name"):
                raise RenderError(
                    k.file, f"helm chart {chart.get('name')}: a {obj.get('kind')} has no name", line
                )
            rm.append(Resource(obj, f"helm chart {chart.get('name')}"), k.file, line)


def inflate(
    tree: SourceTree, k: Kustomization, globals_: dict, chart: dict, line: int | None
) -> list[dict[str, Any]]:
    name = str(chart.get("name") or "")
    if not name:
        raise RenderError(k.file, "helmCharts: chart name cannot be empty", line)
    what = f"helm chart {name}"
    home_rel = str(globals_.get("chartHome") or "charts")
    home = resolve(k, home_rel, line, f"{what} chartHome")
    version, repo = str(chart.get("version") or ""), str(chart.get("repo") or "")
    if version and repo:
        home = posixpath.join(home, f"{name}-{version}")
    chart_dir = posixpath.join(home, name)
    if not tree.is_dir(chart_dir):
        if not repo:
            raise RenderError(
                k.file, f"{what}: no chart at {chart_dir} and no repo to pull it from", line
            )
        # Pulled from its repository: the binary's work, refused unless allowed.
        raise Unsupported(f"helmCharts ({name} from {repo})", k.file, line)
    mode = str(chart.get("valuesMerge") or "override")
    if mode not in MERGE_MODES:
        raise RenderError(k.file, f"{what}: valuesMerge must be one of {list(MERGE_MODES)}", line)
    values_file = chart.get("valuesFile")
    if values_file:
        values_path = local_path(k, str(values_file), line)
    else:
        values_path = posixpath.join(chart_dir, "values.yaml")
        local_path(k, posixpath.relpath(values_path, k.dir or "."), line)
    extra = [local_path(k, f, line) for f in _strings(chart.get("additionalValuesFiles"))]
    for path in [values_path, *extra]:
        if not tree.exists(path) or tree.is_dir(path):
            raise RenderError(k.file, f"{what}: values file {path} does not exist", line)
    values = tree.read(values_path)
    inline = chart.get("valuesInline")
    if inline:
        if not isinstance(inline, dict):
            raise RenderError(k.file, f"{what}: valuesInline must be a mapping", line)
        values = merged_values(values, values_path, inline, mode)
    engine.note_read(tree, chart_dir)
    tree.is_dir(chart_dir)
    for path in extra:
        tree.read(path)

    args = ["template"]
    release = str(chart.get("releaseName") or "")
    args += [release] if release else ["--generate-name"]
    args.append(f"repo/{chart_dir}")
    if chart.get("namespace"):
        args += ["--namespace", str(chart["namespace"])]
    if chart.get("nameTemplate"):
        args += ["--name-template", str(chart["nameTemplate"])]
    values_name = f"{name}-kustomize-values.yaml"
    args += ["-f", values_name]
    for path in extra:
        args += ["-f", f"repo/{path}"]
    for api in _strings(chart.get("apiVersions")):
        args += ["--api-versions", api]
    if chart.get("kubeVersion"):
        args += ["--kube-version", str(chart["kubeVersion"])]
    for flag, key in (
        ("--include-crds", "includeCRDs"),
        ("--skip-tests", "skipTests"),
        ("--no-hooks", "skipHooks"),
    ):
        if chart.get(key):
            args.append(flag)
    try:
        helm = engine.find_helm()
    except RenderError as e:
        raise RenderError(k.file, f"{what}: {e.message}", line) from None
    plan = engine.Plan([chart_dir, *extra], args, {values_name: values})
    out = engine.template(tree, plan, helm, k.file)
    return engine.parse_output(out, chart_dir)
