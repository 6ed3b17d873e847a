"""The real local control plane that tests, `make demo` and curious operators run."""

from gitops_tui.localcluster.build import BuildError, ensure_binaries, go_missing_reason
from gitops_tui.localcluster.launch import ClusterError, LocalCluster, default_dir

__all__ = [
    "BuildError",
    "ClusterError",
    "LocalCluster",
    "default_dir",
    "ensure_binaries",
    "go_missing_reason",
]
