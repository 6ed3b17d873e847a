"""The reconciler: per-app state in the cluster, leader election, and the loop."""
