# Conv1d, parameter by parameter — every command of the course.
# `make demo` and `make test` set everything up on a fresh machine (see README.md).

PYTHON ?= python3
VENV   := .venv
BIN    := $(abspath $(VENV))/bin
# nbgrader shells out to `alembic`; the venv's tools come first on PATH.
export PATH := $(BIN):$(PATH)
export PYTHONDONTWRITEBYTECODE := 1
# Reproducible, headless matplotlib everywhere.
export MPLBACKEND := Agg

STAMP := $(VENV)/.installed

.PHONY: help venv sandbox release imgs env demo test grade bench lock clean
help:
	@echo "make demo     build, autograde the example submissions, print the grade table"
	@echo "make test     the whole test suite"
	@echo "make release  regenerate notebooks/ (student copies) from solutions/"
	@echo "make imgs     regenerate the SVG diagrams in imgs/"
	@echo "make grade ASSIGNMENT=01_channels_kernel   autograde submitted/ at the course root"

venv: $(STAMP)
$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

# Student code is graded inside bubblewrap (Debian package `bubblewrap`). As root we install it;
# otherwise say what is missing and go on (grading then applies resource limits only).
sandbox:
	@command -v bwrap >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  (apt-get update -qq >/dev/null && apt-get install -y -qq bubblewrap >/dev/null) ; } || \
	  echo "WARNING: bubblewrap is not installed; student code will not be confined (see README)."

imgs: $(STAMP)
	$(BIN)/python tools/diagrams.py

environment.yml: requirements.txt tools/make_env.py
	$(PYTHON) tools/make_env.py > $@

release: $(STAMP)
	$(BIN)/python -m autograder.release

demo: $(STAMP) sandbox
	$(BIN)/python -m autograder.demo

test: $(STAMP) sandbox
	$(BIN)/python -m pytest -q tests $(PYTEST_ARGS)

grade: $(STAMP) sandbox
	test -n "$(ASSIGNMENT)" || (echo "usage: make grade ASSIGNMENT=01_channels_kernel" && false)
	$(BIN)/nbgrader autograde "$(ASSIGNMENT)"
	$(BIN)/nbgrader generate_feedback "$(ASSIGNMENT)"
	$(BIN)/nbgrader export

lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^torch==' > constraints.body
	{ echo "# Full lock of every transitive package (pip freeze of a working venv), applied with -c."; \
	  echo "# Direct pins live in requirements*.txt; regenerate this with \`make lock\`."; \
	  echo "torch==2.13.0"; cat constraints.body; } > constraints.txt && rm constraints.body

clean:
	rm -rf build
