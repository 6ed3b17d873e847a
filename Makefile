# The whole set-up on a fresh machine: `make test` or `make demo`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: test demo lint format binaries install clean

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python >= 3.11 is required") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# kube-apiserver, kube-controller-manager, etcd, the sealed-secrets controller and
# kubeseal (the judges of our sealing) and helm (the chart renderer), built from Go
# modules once and cached.
binaries: $(INSTALLED)
	$(BIN)/python -m gitops_tui.localcluster --sealed-secrets --helm

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: binaries lint
	$(BIN)/pytest

demo: binaries
	$(BIN)/gitops-tui demo

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
