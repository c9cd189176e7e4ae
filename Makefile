# Two commands on a fresh machine: `make demo` and `make test`. Each installs what it
# needs (Debian packages when missing, then a local virtualenv) before it runs.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
APT_PACKAGES := espeak-ng ffmpeg sox
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

TYPECHECK_TREE := build/typecheck

.PHONY: demo test up lint typecheck protos system-deps clean k8s-check

demo: $(INSTALLED)
	$(BIN)/modmesh demo

test: $(INSTALLED)
	$(BIN)/python protos/generate.py --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MAKE) --no-print-directory typecheck
	$(MAKE) --no-print-directory k8s-check
	$(BIN)/pytest --ignore=tests/k8s

# Offline checks of deploy/docker and k8s/: every overlay builds with `kubectl kustomize`,
# validates against the Kubernetes 1.30+ schemas, and keeps the policies (probes, limits,
# non-root, read-only root, network policies). No cluster and no Docker engine needed.
k8s-check: $(INSTALLED)
	$(BIN)/pytest -q tests/k8s

up: $(INSTALLED)
	$(BIN)/modmesh up

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MAKE) --no-print-directory typecheck

# mypy cannot follow setuptools' editable-install finder, so it checks the package
# through a tree of links laid out as the installed names (services/ -> modmesh/).
typecheck: $(INSTALLED)
	@rm -rf $(TYPECHECK_TREE) && mkdir -p $(TYPECHECK_TREE)/modmesh
	@for entry in services/*; do ln -s ../../../$$entry $(TYPECHECK_TREE)/modmesh/; done
	@ln -s ../../../gateway $(TYPECHECK_TREE)/modmesh/gateway
	MYPYPATH=$(TYPECHECK_TREE) $(BIN)/mypy -p modmesh -p tests
	$(BIN)/mypy protos/generate.py

# Regenerates services/*/v1 from protos/ (the tests fail while they are stale).
protos: $(INSTALLED)
	$(BIN)/python protos/generate.py

system-deps:
	@missing=""; for tool in espeak-ng ffmpeg ffprobe sox; do \
		command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages for:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PACKAGES); \
	fi

# whisperx brings torch (a few GB): the first install takes several minutes.
$(INSTALLED): pyproject.toml | system-deps
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "installing modmesh and its dependencies into $(VENV) (first time: several minutes)…"
	$(BIN)/python -m pip install --progress-bar off -e '.[all,dev]'
	@touch $@

clean:
	rm -rf $(VENV) build .modmesh .pytest_cache .mypy_cache .ruff_cache
