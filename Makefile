# Two commands on a fresh machine: `make demo` and `make test`. Each installs what it
# needs (Debian packages when missing, then a local virtualenv) before it runs.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# The workspace: every package, installed editable with what its process needs.
PACKAGES := services/runtime[database] services/transcription[server] \
	services/termmatch[server] services/similarity[server] services/scoring[server] \
	services/decision[server] \
	services/cli[all] gateway

# Tools from the npm registry, pinned, installed together under build/tools (an npm
# install of one would remove the other): buf lints the protos and compares them with the
# last release; axe-core (MPL-2.0) checks each console page's accessibility in the
# browser tests.
BUF_VERSION := 1.75.0
AXE_VERSION := 4.14.1
TOOLS := build/tools
BUF := $(TOOLS)/node_modules/.bin/buf
NPM_TOOLS := $(TOOLS)/.installed-buf-$(BUF_VERSION)-axe-core-$(AXE_VERSION)
# The last release the protos must stay wire-compatible with. There is no release tag (and
# none can be pushed from here), so this pins the last main commit before the package
# layout change, whose protos are the released contracts; move it when a release is cut.
BUF_BREAKING_AGAINST := 413765c78d4fcf1b0cb535b7ca86bc888bde2eb2

.PHONY: demo test up lint typecheck protos protos-check system-deps clean k8s-check chaos test-slow bench-speech test-speech browser

demo: $(INSTALLED)
	$(BIN)/modmesh demo

test: $(INSTALLED) test-speech browser $(NPM_TOOLS)
	$(BIN)/python protos/generate.py --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MAKE) --no-print-directory typecheck
	$(MAKE) --no-print-directory protos-check
	$(MAKE) --no-print-directory k8s-check
	$(BIN)/pytest --ignore=tests/k8s -m "not slow" --durations=25

# What `make test` leaves out to stay within CI's 30 minutes: decision replicas with
# Whisper engines killed and restarted, hour-long media through transcription and
# similarity with their peak memory watched, a live broadcast dropped and resumed in
# real time (tests marked slow).
test-slow: $(INSTALLED)
	$(BIN)/pytest -m slow

# The short chaos run of issue 15 on its own (about 2.5 minutes on 2 cores, start-up
# included; `make test` runs it too): a mesh of real replicas killed with SIGKILL while
# it works; nothing may be lost or done twice (docs/operations.md).
chaos: $(INSTALLED)
	$(BIN)/pytest tests/chaos

# Offline checks of the Dockerfiles (one beside each package) and k8s/: every overlay
# builds with `kubectl kustomize`, validates against the Kubernetes 1.30+ schemas, and
# keeps the policies (probes, limits, non-root, read-only root, network policies). No
# cluster and no Docker engine needed.
k8s-check: $(INSTALLED)
	$(BIN)/pytest -q tests/k8s

up: $(INSTALLED)
	$(BIN)/modmesh up

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MAKE) --no-print-directory typecheck
	$(MAKE) --no-print-directory protos-check

# What it checks and how it finds each package's src/ is in pyproject.toml ([tool.mypy]).
typecheck: $(INSTALLED)
	$(BIN)/mypy

# Regenerates the contracts (services/runtime/src/modmesh/contracts/*/v1) from protos/
# (the tests fail while they are stale).
protos: $(INSTALLED)
	$(BIN)/python protos/generate.py

# buf lint (protos/buf.yaml: STANDARD) and buf breaking (FILE) against the last release,
# read from git, so no network and no release artefact is needed.
protos-check: $(NPM_TOOLS)
	$(BUF) lint protos
	$(BUF) breaking protos --against '.git#ref=$(BUF_BREAKING_AGAINST),subdir=protos'

$(NPM_TOOLS): | system-deps
	npm install --prefix $(TOOLS) --no-save --no-audit --no-fund \
		@bufbuild/buf@$(BUF_VERSION) axe-core@$(AXE_VERSION)
	@touch $@

# Debian's Chromium, which the console's browser tests drive headless through
# Playwright's Python package (a browser download cannot work here).
BROWSER = chromium chromium-driver
browser:
	@dpkg -s $(BROWSER) >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(BROWSER); }

# Recorded speech in languages the bundled recogniser does not transcribe, for the tests
# of language identification: the Asterisk French (June Wallack) and Spanish (Allison
# Smith) prompts, CC BY-SA 3.0.
TEST_SPEECH = asterisk-core-sounds-fr-gsm asterisk-core-sounds-es-gsm
test-speech:
	@dpkg -s $(TEST_SPEECH) >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(TEST_SPEECH); }

# Recorded human speech for the live recall benchmark (bench/live/corpus.py): LibriVox
# readings (public domain) from pocketsphinx's test data, and the Asterisk English
# prompts (CC BY-SA 3.0, Allison Smith) with their transcripts; for the language benchmark
# (bench/live/languages.py) the Italian and Russian prompts (CC BY 3.0) too. Not needed
# by `make test`.
BENCH_SPEECH = pocketsphinx-testdata asterisk-core-sounds-en asterisk-core-sounds-en-wav \
	asterisk-core-sounds-it-gsm asterisk-core-sounds-ru-gsm
bench-speech:
	@dpkg -s $(BENCH_SPEECH) >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(BENCH_SPEECH); }

# Installs only the Debian packages of the tools that are missing: a machine whose Node.js
# came from elsewhere (NodeSource) already has npm, and Debian's npm cannot go beside it.
system-deps:
	@missing=""; for tool in espeak-ng:espeak-ng ffmpeg:ffmpeg ffprobe:ffmpeg sox:sox npm:npm; do \
		command -v $${tool%%:*} >/dev/null || missing="$$missing $${tool#*:}"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# whisperx brings torch (a few GB): the first install takes several minutes.
$(INSTALLED): pyproject.toml services/*/pyproject.toml gateway/pyproject.toml | system-deps
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "installing modmesh's packages and their dependencies into $(VENV) (first time: several minutes)…"
	$(BIN)/python -m pip install --progress-bar off --group dev $(foreach p,$(PACKAGES),-e '$(p)')
	@touch $@

clean:
	rm -rf $(VENV) $(TOOLS) .modmesh .pytest_cache .mypy_cache .ruff_cache
