"""Build the control-plane binaries from Go modules, once, and cache them.

No Python package ships kube-apiserver, and release downloads are often out of
reach, but the Go toolchain and module proxy are: so we `go build` the upstream
commands at pinned versions. Binaries are cached outside the repo, keyed by version.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

K8S_VERSION = "v1.36.3"
ETCD_VERSION = "v3.6.16"
SEALED_SECRETS_VERSION = "v0.40.0"
# Helm 3, not 4: Argo CD's repo-server and kustomize's --enable-helm render with Helm 3.
HELM_VERSION = "v3.22.0"
# The Kubernetes version helm assumes without --kube-version: as helm's own Makefile
# sets it, one above the major of its client-go (v0.37) and the same minor.
HELM_DEFAULT_KUBE = ("1", "37")

GOMOD_DIR = Path(__file__).parent / "gomod"


class BuildError(RuntimeError):
    pass


@dataclass(frozen=True)
class Binaries:
    etcd: Path
    kube_apiserver: Path
    kube_controller_manager: Path

    def all_present(self) -> bool:
        return all(p.is_file() and os.access(p, os.X_OK) for p in self.paths())

    def paths(self) -> list[Path]:
        return [self.etcd, self.kube_apiserver, self.kube_controller_manager]


def cache_root() -> Path:
    if explicit := os.environ.get("GITOPS_TUI_CACHE"):
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gitops-tui"


def binaries() -> Binaries:
    k8s = cache_root() / "control-plane" / K8S_VERSION
    etcd = cache_root() / "etcd" / ETCD_VERSION
    return Binaries(
        etcd=etcd / "etcd",
        kube_apiserver=k8s / "kube-apiserver",
        kube_controller_manager=k8s / "kube-controller-manager",
    )


def go_missing_reason() -> str | None:
    """Why the binaries cannot be built here, or None when Go is available."""
    if shutil.which("go") is None:
        return "the Go toolchain ('go') is not on PATH; it builds the local control plane"
    return None


def _go_build(
    module: Path, out_dir: Path, packages: list[str], ldflags: str, log, out_name: str = ""
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    # Build into a temp dir and rename, so an interrupted build never leaves a
    # half-written binary that looks cached.
    tmp = out_dir / ".partial"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    env = dict(os.environ, CGO_ENABLED="0", GOFLAGS="-mod=readonly -buildvcs=false")
    # -v names each package as it compiles: the progress of a long build.
    cmd = [
        "go",
        "build",
        "-v",
        "-trimpath",
        "-ldflags",
        ldflags,
        "-o",
        f"{tmp}/{out_name}",
        *packages,
    ]
    log(f"$ (cd {module} && {' '.join(cmd)})")
    proc = subprocess.Popen(
        cmd, cwd=module, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    started = time.monotonic()
    lines: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line.rstrip())
        log(f"  [{time.monotonic() - started:5.0f}s] {line.rstrip()}")
    if proc.wait() != 0:
        tail = "\n".join(lines[-20:])
        raise BuildError(f"go build in {module} failed (exit {proc.returncode}):\n{tail}")
    for f in tmp.iterdir():
        f.replace(out_dir / f.name)
    tmp.rmdir()


def ensure_binaries(log=None) -> Binaries:
    """Build whatever is not cached yet; idempotent and quick when all are present."""
    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    bins = binaries()
    if bins.all_present():
        return bins
    if reason := go_missing_reason():
        raise BuildError(reason)
    if not bins.kube_apiserver.is_file() or not bins.kube_controller_manager.is_file():
        log(
            f"building kube-apiserver and kube-controller-manager {K8S_VERSION} "
            "(a cold build takes 10-25 minutes on 2 cores)"
        )
        pkg = "k8s.io/component-base/version"
        ldflags = (
            f"-s -w -X {pkg}.gitVersion={K8S_VERSION} -X {pkg}.gitMajor=1 "
            f"-X {pkg}.gitMinor={K8S_VERSION.split('.')[1]} -X {pkg}.gitTreeState=clean"
        )
        _go_build(
            GOMOD_DIR / "control-plane",
            bins.kube_apiserver.parent,
            [
                "k8s.io/kubernetes/cmd/kube-apiserver",
                "k8s.io/kubernetes/cmd/kube-controller-manager",
            ],
            ldflags,
            log,
        )
    if not bins.etcd.is_file():
        log(f"building etcd {ETCD_VERSION}")
        _go_build(
            GOMOD_DIR / "etcd",
            bins.etcd.parent,
            ["go.etcd.io/etcd/server/v3"],
            "-s -w",
            log,
            "etcd",
        )
    if not bins.all_present():
        missing = ", ".join(str(p) for p in bins.paths() if not p.is_file())
        raise BuildError(f"build finished but binaries are missing: {missing}")
    log("control-plane binaries ready in " + str(bins.kube_apiserver.parent.parent.parent))
    return bins


@dataclass(frozen=True)
class SealedSecretsBinaries:
    controller: Path
    kubeseal: Path


def ensure_sealed_secrets(log=None) -> SealedSecretsBinaries:
    """The real sealed-secrets controller and kubeseal, to check our sealing against."""
    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    out = cache_root() / "sealed-secrets" / SEALED_SECRETS_VERSION
    bins = SealedSecretsBinaries(out / "controller", out / "kubeseal")
    if bins.controller.is_file() and bins.kubeseal.is_file():
        return bins
    if reason := go_missing_reason():
        raise BuildError(reason)
    log(f"building sealed-secrets {SEALED_SECRETS_VERSION} (controller and kubeseal)")
    # The module renamed itself to github.com/bitnami/sealed-secrets, a path the public
    # checksum database does not list; go.sum pins its hash instead.
    os.environ.setdefault("GONOSUMDB", "github.com/bitnami/sealed-secrets")
    pkg = "github.com/bitnami/sealed-secrets/cmd"
    _go_build(
        GOMOD_DIR / "sealed-secrets",
        out,
        [f"{pkg}/controller", f"{pkg}/kubeseal"],
        f"-s -w -X main.VERSION={SEALED_SECRETS_VERSION}",
        log,
    )
    return bins


def helm_binary() -> Path:
    """Where the cached helm build lives (it may not be built yet)."""
    return cache_root() / "helm" / HELM_VERSION / "helm"


def ensure_helm(log=None) -> Path:
    """helm built from its Go module at HELM_VERSION, once, into the cache."""
    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    out = helm_binary()
    if out.is_file() and os.access(out, os.X_OK):
        return out
    if reason := go_missing_reason():
        raise BuildError(reason)
    log(f"building helm {HELM_VERSION}")
    # The flags of helm's Makefile, so `helm version` and the default kube version
    # (.Capabilities without --kube-version) are those of the released binary.
    major, minor = HELM_DEFAULT_KUBE
    flags = [
        "-s -w",
        f"-X helm.sh/helm/v3/internal/version.version={HELM_VERSION}",
        "-X helm.sh/helm/v3/internal/version.gitTreeState=clean",
    ]
    for pkg in ("helm.sh/helm/v3/pkg/lint/rules", "helm.sh/helm/v3/pkg/chartutil"):
        flags += [f"-X {pkg}.k8sVersionMajor={major}", f"-X {pkg}.k8sVersionMinor={minor}"]
    _go_build(
        GOMOD_DIR / "helm", out.parent, ["helm.sh/helm/v3/cmd/helm"], " ".join(flags), log, "helm"
    )
    if not out.is_file():
        raise BuildError(f"build finished but {out} is missing")
    return out


def main() -> int:
    try:
        if "--helm-only" in sys.argv[1:]:  # the chart renderer alone, for operators
            ensure_helm()
            return 0
        ensure_binaries()
        if "--sealed-secrets" in sys.argv[1:]:
            ensure_sealed_secrets()
        if "--helm" in sys.argv[1:]:
            ensure_helm()
    except BuildError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
