"""Argo CD's `spec.source.helm` (and gitops-tui.yaml's `helm:`) as HelmOptions.

The release name and namespace left empty here are filled in when the app renders
(the app's name, its destination namespace), with the cluster's Kubernetes version.
"""

from __future__ import annotations

from typing import Any

import yaml

from ..render.helm import HelmOptions, HelmParameter
from ..render.kustomize.shapes import ANY_MAP, STRINGS, Bool, List, Map, Str

FIELDS = {
    "releaseName",
    "namespace",
    "valueFiles",
    "ignoreMissingValueFiles",
    "values",
    "valuesObject",
    "parameters",
    "fileParameters",
    "skipCrds",
    "skipTests",
    "skipSchemaValidation",
    "version",
    "kubeVersion",
    "apiVersions",
    "passCredentials",
}


# The shape of the fields, as Argo CD's CRD types them (checked with the rest of the
# declaration: a wrong one makes the app an error, never a half-read render).
HELM = Map(
    {
        **{k: Str() for k in ("releaseName", "namespace", "values", "version", "kubeVersion")},
        **{
            k: Bool()
            for k in (
                "ignoreMissingValueFiles",
                "skipCrds",
                "skipTests",
                "skipSchemaValidation",
                "passCredentials",
            )
        },
        "valueFiles": STRINGS,
        "apiVersions": STRINGS,
        "valuesObject": ANY_MAP,
        "parameters": List(Map({"name": Str(), "value": Str(), "forceString": Bool()})),
        "fileParameters": List(Map({"name": Str(), "path": Str()})),
    }
)


class HelmSpecError(ValueError):
    """A field of the helm source that cannot be used as written."""


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise HelmSpecError(f"{where} must be a list of strings")
    return tuple(str(v) for v in value)


def _text(value: Any, where: str) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise HelmSpecError(f"{where} must be a string")
    return str(value)


def _scalar(value: Any) -> str:
    """A parameter's value as Argo CD's string field holds it (true, not True)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def parse_helm(spec: Any, prefix: str, warnings: list[str]) -> HelmOptions:
    """The helm fields of one source. Unknown fields are warned about; a field that
    cannot be honoured raises HelmSpecError (the app is not rendered wrongly)."""
    if spec is None:
        return HelmOptions()
    if not isinstance(spec, dict):
        raise HelmSpecError(f"{prefix} must be a mapping")
    warnings += [f"{prefix}.{k} is not supported and is ignored" for k in spec if k not in FIELDS]
    version = _text(spec.get("version"), f"{prefix}.version")
    if version not in ("", "v3"):
        # As Argo CD: only Helm 3 renders charts.
        raise HelmSpecError(f"{prefix}.version {version!r} is not supported (only v3)")
    if spec.get("passCredentials"):
        warnings.append(f"{prefix}.passCredentials has no effect on a chart read from Git")
    values = _text(spec.get("values"), f"{prefix}.values")
    obj = spec.get("valuesObject")
    if obj is not None:
        if not isinstance(obj, dict):
            raise HelmSpecError(f"{prefix}.valuesObject must be a mapping")
        if values.strip():
            # Argo CD renders with valuesObject alone when both are set.
            warnings.append(f"{prefix}.values is ignored: valuesObject is set")
        values = yaml.safe_dump(obj, sort_keys=False) if obj else ""
    params: list[HelmParameter] = []
    for i, p in enumerate(spec.get("parameters") or []):
        if not isinstance(p, dict) or not p.get("name"):
            raise HelmSpecError(f"{prefix}.parameters[{i}] needs a name")
        params.append(
            HelmParameter(str(p["name"]), _scalar(p.get("value")), bool(p.get("forceString")))
        )
    files: list[tuple[str, str]] = []
    for i, p in enumerate(spec.get("fileParameters") or []):
        if not isinstance(p, dict) or not p.get("name") or not p.get("path"):
            raise HelmSpecError(f"{prefix}.fileParameters[{i}] needs a name and a path")
        files.append((str(p["name"]), str(p["path"])))
    return HelmOptions(
        release_name=_text(spec.get("releaseName"), f"{prefix}.releaseName"),
        namespace=_text(spec.get("namespace"), f"{prefix}.namespace"),
        value_files=_strings(spec.get("valueFiles"), f"{prefix}.valueFiles"),
        ignore_missing_value_files=bool(spec.get("ignoreMissingValueFiles")),
        values=values,
        parameters=tuple(params),
        file_parameters=tuple(files),
        skip_crds=bool(spec.get("skipCrds")),
        skip_tests=bool(spec.get("skipTests")),
        skip_schema_validation=bool(spec.get("skipSchemaValidation")),
        kube_version=_text(spec.get("kubeVersion"), f"{prefix}.kubeVersion"),
        api_versions=_strings(spec.get("apiVersions"), f"{prefix}.apiVersions"),
    )
