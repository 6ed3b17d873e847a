"""gitops-tui: GitOps for Kubernetes from the terminal."""

__version__ = "0.1.0"
