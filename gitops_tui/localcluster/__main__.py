"""`python -m gitops_tui.localcluster [--sealed-secrets] [--helm] | --helm-only`: build and cache
the binaries."""

from gitops_tui.localcluster.build import main

raise SystemExit(main())
