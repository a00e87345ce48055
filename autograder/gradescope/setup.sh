#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu 22.04 by default; the zip
# is in /autograder/source). It installs what grading needs (autograder/gradescope/run.py says what that is):
#   - bubblewrap, which confines the student's code (autograder/sandbox/confine.py);
#   - Python 3.11.5 or later (uv's, where Ubuntu's is older) and a venv in /opt/conv1d/venv with the course's
#     pinned requirements, torch from PyTorch's CPU index (PyPI's torch brings CUDA: several GB).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1
COURSE=/autograder/source/course
VENV=/opt/conv1d/venv
TORCH_INDEX=${CONV1D_TORCH_INDEX:-https://download.pytorch.org/whl/cpu}     # another for a trial away from Gradescope

apt-get update -qq
apt-get install -y -qq --no-install-recommends bubblewrap ca-certificates python3 python3-pip python3-venv >/dev/null

# The pins (constraints.txt) are a Python 3.11 lock, and some need 3.11.5 or later (soupsieve): Ubuntu's
# python3.11 packages are older (22.04: 3.11.0), so uv installs a current 3.11 where the users can run it.
PY=${CONV1D_PYTHON:-}       # a Python 3.11.5 or later to use instead, for a trial away from Gradescope
if [ -z "$PY" ] && command -v python3.11 >/dev/null && python3.11 -c 'import sys; sys.exit(sys.version_info < (3, 11, 5))'; then
    PY=python3.11
fi
if [ -z "$PY" ]; then
    python3 -m pip install -q uv 2>/dev/null || python3 -m pip install -q --break-system-packages uv
    export UV_PYTHON_INSTALL_DIR=/opt/conv1d/python
    python3 -m uv python install 3.11
    PY=$(python3 -m uv python find 3.11)
fi
"$PY" -m venv "$VENV"
torch=$(grep -E '^torch==' "$COURSE/requirements.txt")
"$VENV/bin/python" -m pip install -q --index-url "$TORCH_INDEX" "$torch"
"$VENV/bin/python" -m pip install -q -r "$COURSE/requirements.txt" -c "$COURSE/constraints.txt"
"$VENV/bin/python" -m ipykernel install --sys-prefix --name python3 >/dev/null

# A first import compiles nothing later: the grading process and the sandbox read the venv as it is.
"$VENV/bin/python" -c "import torch, numpy, nbgrader; print('conv1d autograder:', torch.__version__, numpy.__version__)"
chmod -R go-rwx /autograder/source
# Student code runs as nobody here (no user namespaces for bubblewrap): no folder of the image is left that every
# user may write, where one test's process could leave something for the next (run.py closes /tmp and the
# other folders mounted when the container starts).
find / -xdev -type d -perm -0002 -not -path '/proc/*' -exec chmod o-w {} + 2>/dev/null || true
