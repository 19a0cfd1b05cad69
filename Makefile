# weldnb: the README's two commands are `make pipeline` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
# The versions the figures were measured with (`make constraints` records them); `make install CONSTRAINTS=` installs unpinned.
CONSTRAINTS ?= $(wildcard constraints.txt)
PIN := $(if $(CONSTRAINTS),-c $(CONSTRAINTS))
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

.PHONY: pipeline test fuzz lab label docs readme install browser constraints clean help litert

help:
	@echo "make pipeline  set up .venv, run every notebook at demo scale (data/, reports/, models/), check the goals"
	@echo "make test      set up .venv and run the tests: nbdev sync, notebooks at smoke scale, tests/"
	@echo "make fuzz      the fuzz suite of the untrusted-input readers at a large example count (FUZZ_EXAMPLES=500)"
	@echo "make lab       JupyterLab on this repository"
	@echo "make label     the labelling app on http://127.0.0.1:8501/ (LABEL_ARGS='--data data/<set> --who <name>')"
	@echo "make docs      build the documentation site into site/ from the executed notebooks"
	@echo "make readme    regenerate README.md from nbs/index.ipynb and the last demo benchmark"
	@echo "make browser   install the Debian chromium package the browser tests use (apt-get, as root), if missing"
	@echo "make constraints  record the versions installed in .venv into constraints.txt (after an upgrade on purpose)"

# --- set-up: a fresh clone with only python3 -------------------------------------------------------
$(PY):
	@command -v $(PYTHON) >/dev/null || { echo "ERROR: python3 not found: install Python >= 3.10 and run make again." >&2; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { echo "ERROR: python3 cannot create virtual environments: install the venv module (Debian/Ubuntu: apt-get install python3-venv) and run make again." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml $(CONSTRAINTS) | $(PY)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q $(PIN) -e ".[dev]"
	@# imagecorruptions is only a speed reference (notebooks 13-16); its metadata asks for the GUI
	@# opencv-python, which would shadow opencv-python-headless, so it is installed without dependencies.
	$(BIN)/pip install -q $(PIN) --no-deps "imagecorruptions==1.1.2"
	@if $(BIN)/pip show -q opencv-python 2>/dev/null; then $(BIN)/pip uninstall -q -y opencv-python && $(BIN)/pip install -q $(PIN) --force-reinstall --no-deps "opencv-python-headless<5"; fi
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $(STAMP)

install: $(STAMP)

# Chromium for the browser tests (the docs site, nbs/65's labelling app): the Debian package, never a downloaded
# build. Installed with apt-get when missing and we are root; otherwise one line says what to do.
CHROMIUM ?= /usr/bin/chromium
browser:
	@[ -x $(CHROMIUM) ] || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && echo "installing chromium (apt-get)" && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || { echo "ERROR: $(CHROMIUM) missing and not installable here: run 'sudo apt-get install -y chromium' and make again." >&2; exit 1; }

# Upgrade a package on purpose: pip install -U <pkg> into .venv, make test, then record the new versions here and commit.
constraints: | $(PY)
	{ sed -n '/^#/p' constraints.txt 2>/dev/null; $(BIN)/pip freeze --exclude-editable; } > constraints.txt.new && mv constraints.txt.new constraints.txt

# --- the README's commands ------------------------------------------------------------------------
# `$(PY) -m weldnb.run` is the `weldnb-run` command; it works before the console script is installed.
RUN := $(PY) -m weldnb.run

pipeline: install browser
	$(RUN) run --scale demo
	$(RUN) check --scale demo

test: install browser
	$(PY) -m weldnb.docs check-sync
	rm -rf runs/smoke
	$(PY) -m pytest -n 2 --dist loadfile -m "not docs and not after_notebooks" tests
	$(PY) -m pytest -n 2 --dist loadfile -m "docs or after_notebooks" tests

# The fuzz suite (tests/test_fuzz.py) runs in `make test` at a small, fixed example count; here at FUZZ_EXAMPLES per
# property, random, with failing examples kept in runs/hypothesis/ and replayed first on the next run.
FUZZ_EXAMPLES ?= 500
fuzz: install
	HYPOTHESIS_PROFILE=fuzz FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -n 2 -p no:cacheprovider --hypothesis-show-statistics tests/test_fuzz.py

# LiteRT (nbs/50, optional): its converter needs versions of numpy / onnxruntime / OpenCV of its own, so its own venv.
litert:
	$(PYTHON) -m venv .venv-litert
	.venv-litert/bin/pip install -q "onnx2tf>=1.29" "tensorflow-cpu>=2.19" "ai-edge-litert>=2.0" "onnx-graphsurgeon>=0.5" "sng4onnx>=1.0" "onnxsim>=0.4" "psutil>=5.9"

lab: install
	$(BIN)/jupyter lab --no-browser --ip=127.0.0.1 $(ROOT_FLAG) --notebook-dir=.

# The labelling app (notebook 65): Streamlit on 127.0.0.1, the textured set by default; `make label LABEL_ARGS="--data data/standard"`.
LABEL_ARGS ?=
label: install
	$(PY) -m weldnb.label_app $(LABEL_ARGS)

docs: install
	$(PY) -m weldnb.docs build

readme: install
	$(PY) -m weldnb.docs readme

clean:
	rm -rf runs site _docs_src
