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

.PHONY: help venv sandbox browser node screenshots release imgs env demo test test-fast lint grade bench bench-grade bench-gradescope book lock clean
help:
	@echo "make demo     build, autograde the example submissions, print the grade table"
	@echo "make test     the whole test suite (after make lint)"
	@echo "make test-fast   the unit tests marked fast: no browser, no sandbox, no notebook run; under a minute"
	@echo "make lint     ruff on the course's code (settings in pyproject.toml)"
	@echo "make release  regenerate notebooks/ (student copies) from solutions/ [RELEASE_ARGS=--refresh-outputs]"
	@echo "make imgs     regenerate the diagrams in imgs/ (SVG and PNG)"
	@echo "make screenshots   one PNG per student notebook, run in JupyterLab + headless Chromium, in imgs/screenshots/"
	@echo "make browser  install Debian's chromium + chromium-driver (as root) for the browser test and screenshots"
	@echo "make book     the solutions as a Jupyter Book 2 site, English and Chinese, in build/book/html/ (offline)"
	@echo "make grade [ASSIGNMENT=01_channels_kernel] [JOBS=2]   autograde submitted/ in parallel, summary, grades.csv"
	@echo "make bench-grade   serial nbgrader against the grade command (local Dask cluster) on a synthetic class of 51 [BENCH_ARGS=--readme]"
	@echo "make bench-gradescope   each notebook's Gradescope zip on a correct answer, held to 768 MB and half a CPU (root)"
	@echo "make bench    the solution's Conv1d (notebook 07) against torch on five shapes; fails above 1.5x (D: 2x)"

# The pinned requirements with the full lock, then the course itself, editable (pyproject.toml says which mode
# and why), so that `import autograder` works from any folder: its requirements are the first install's, and it
# builds with the venv's setuptools (torch requires >= 77), offline.
venv: $(STAMP)
$(STAMP): requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

# Student code is graded inside bubblewrap (Debian package `bubblewrap`). As root we install it;
# otherwise say what is missing and go on (grading then applies resource limits only).
sandbox:
	@command -v bwrap >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  (apt-get update -qq >/dev/null && apt-get install -y -qq bubblewrap >/dev/null) ; } || \
	  echo "WARNING: bubblewrap is not installed; student code will not be confined (see README)."

# The browser test and `make screenshots` drive Debian's chromium through selenium (chromium-driver).
# As root we install both; otherwise say what is missing (the browser test then fails saying so).
browser:
	@{ [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] ; } || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  (apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null) ; } || \
	  echo "WARNING: /usr/bin/chromium or /usr/bin/chromedriver is missing: apt-get install chromium chromium-driver"

imgs: $(STAMP)
	$(BIN)/python tools/diagrams.py

environment.yml: requirements.txt tools/make_env.py
	$(PYTHON) tools/make_env.py > $@

# Rebuild the student notebooks, then put the new points and tests into the course's gradebook
# (the next `python -m autograder grade` regrades what was graded under the old version).
release: $(STAMP)
	$(BIN)/python -m autograder.build.release $(RELEASE_ARGS)
	PATH=$(BIN):$$PATH $(BIN)/python -m autograder gradebook

demo: $(STAMP) sandbox
	$(BIN)/python -m autograder.classroom.demo

test: $(STAMP) sandbox browser node lint
	$(BIN)/python -m pytest -q -n 2 --dist loadfile --durations=15 tests $(PYTEST_ARGS)

# The unit tests marked `fast` (pytest.ini): no browser, no bubblewrap sandbox, no notebook run, no grading run;
# under a minute on 2 cores (README, "How it is built"). No set-up beyond the venv.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 -m fast tests $(PYTEST_ARGS)

# pyflakes, pycodestyle and import order on the course's code (pyproject.toml: [tool.ruff]; student code and
# notebooks are left out).
lint: $(STAMP)
	$(BIN)/ruff check .

# One PNG per student notebook (imgs/screenshots/NN_x.png) as released: its lesson run in JupyterLab, no answers, no nbgrader menus.
screenshots: $(STAMP) browser
	$(BIN)/python tools/screenshots.py

# Jupyter Book 2 (the PyPI package jupyter-book, in requirements-dev.txt) runs on Node.js, and builds its theme
# with npm (tools/book.py says why): as root we install Debian's nodejs and npm; otherwise say what is missing.
node:
	@{ command -v node >/dev/null && command -v npm >/dev/null ; } || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  (apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null) ; } || \
	  echo "WARNING: node or npm is missing: apt-get install nodejs npm"

# The solutions as a Jupyter Book 2 site in English and Chinese (build/book/html/: en/, zh/ and an index that leads to
# both), with a language switch, site search and KaTeX's fonts from the site itself: it works offline (tools/book.py).
book: $(STAMP) node
	$(BIN)/python tools/book.py

# Speed of notebook 07's solution next to torch (median of runs after a warm-up). BENCH_ARGS=--readme
# also writes the table into README.md. Exits non-zero when a shape is more than 1.5x slower (D: 2x).
# OpenBLAS picks its kernel for this CPU (an OPENBLAS_CORETYPE in the environment would force another).
bench: $(STAMP)
	env -u OPENBLAS_CORETYPE $(BIN)/python tools/bench.py $(BENCH_ARGS)

# Autograde every submission in submitted/ in parallel (autograder/classroom/grade.py), print a summary, write
# grades.csv. ASSIGNMENT=01_channels_kernel for one notebook (default: all), JOBS=N workers (default:
# one per core), GRADE_ARGS=--force to regrade unchanged submissions too.
ASSIGNMENTS := $(notdir $(wildcard solutions/[0-9][0-9]_*))
grade: $(STAMP) sandbox
	$(BIN)/python -m autograder grade $(or $(ASSIGNMENT),$(ASSIGNMENTS)) $(if $(JOBS),--jobs $(JOBS)) $(GRADE_ARGS)

# A synthetic class of 51 submissions graded serially by nbgrader, then in parallel: both wall times,
# submissions per minute, where the workers' time went. BENCH_ARGS=--readme writes it into README.md.
bench-grade: $(STAMP) sandbox
	$(BIN)/python tools/bench_grade.py $(if $(JOBS),--jobs $(JOBS)) $(BENCH_ARGS)

# Each notebook's Gradescope autograder zip grading a correct answer in the stand-in container, in a cgroup held to
# Gradescope's defaults (768 MB, half a CPU): wall time, peak memory, score (tools/bench_gradescope.py; root).
bench-gradescope: $(STAMP) sandbox
	$(BIN)/python tools/bench_gradescope.py $(BENCH_ARGS)

lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^torch==' > constraints.body
	{ echo "# Full lock of every transitive package (pip freeze of a working venv), applied with -c."; \
	  echo "# Direct pins live in requirements*.txt; regenerate this with \`make lock\`."; \
	  echo "torch==2.13.0"; cat constraints.body; } > constraints.txt && rm constraints.body

clean:
	rm -rf build
