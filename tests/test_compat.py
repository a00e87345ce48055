"""Every private name of a dependency the course uses (autograder/compat.py) still exists in the pinned versions,
with the signature the course calls it with, and the private methods it overrides or the names it replaces are
still the ones the dependency calls: an upgrade that breaks one fails here, not in a grading run. No other
module of the course names one; torch's sample inputs, which the notebooks' own check code reads from
torch.testing._internal, are checked here too."""
import ast
import importlib
import inspect
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from autograder import compat

fast = pytest.mark.fast          # make test-fast (pytest.ini): all of them but the torch one (a 10 s import)
PACKAGE = Path(compat.__file__).parent


def resolve(module, path):
    obj = importlib.import_module(module)
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


@fast
@pytest.mark.parametrize("module, path", compat.PRIVATE_NAMES, ids=[p for _, p in compat.PRIVATE_NAMES])
def test_each_private_name_still_exists(module, path):
    assert resolve(module, path) is not None, f"{module}.{path} is gone: autograder/compat.py needs a change"


# how compat.py calls each private method: (module, path, the arguments after self)
CALLS = [
    ("jupyter_client.manager", "KernelManager._close_control_socket", ()),
    ("jupyter_client.manager", "KernelManager._connect_control_socket", ()),
    ("jupyter_client.client", "KernelClient._handle_kernel_info_reply", ({},)),
    ("nbclient.client", "NotebookClient._get_timeout", (None,)),
    ("nbclient.client", "NotebookClient._async_cleanup_kernel", ()),
    ("nbgrader.converters.autograde", "Autograde._format_source", ("assignment", "student")),
    ("nbgrader.converters.autograde", "Autograde.init_destination", ("assignment", "student")),
]


@fast
@pytest.mark.parametrize("module, path, args", CALLS, ids=[p for _, p, _ in CALLS])
def test_each_private_method_takes_what_the_course_passes(module, path, args):
    inspect.signature(resolve(module, path)).bind(object(), *args)


@fast
def test_the_private_methods_the_course_overrides_are_still_called_by_nbclient():
    """compat.NotebookClientHooks turns nbclient's _get_timeout and _async_cleanup_kernel into hooks: nbclient
    must still call them (a renamed method would be silently bypassed), and bind _cleanup_kernel to the async one."""
    from nbclient.client import NotebookClient
    source = inspect.getsource(NotebookClient)
    assert "self._get_timeout(cell)" in source
    assert "self._async_cleanup_kernel()" in source
    assert "_cleanup_kernel = run_sync(_async_cleanup_kernel)" in source


@fast
def test_the_course_execute_goes_through_the_hooks():
    from autograder.preprocessors.execute import Execute
    assert Execute._get_timeout is compat.NotebookClientHooks._get_timeout
    assert Execute._async_cleanup_kernel is compat.NotebookClientHooks._async_cleanup_kernel
    assert Execute.cell_timeout is not compat.NotebookClientHooks.cell_timeout        # the course's own


@fast
def test_a_kernel_managers_sockets_are_found_and_closed_without_a_kernel():
    """The helpers on a manager and client that never started a kernel: nothing open, nothing to close."""
    from jupyter_client.manager import KernelManager
    km = KernelManager()
    try:
        assert compat.kernel_sockets(None, km) == []
        compat.close_control_socket(km)
        assert km._control_socket is None
    finally:
        km.context.destroy(linger=0)


@fast
def test_the_nbgrader_guard_is_installed_once():
    """install_nbgrader_guard (autograder/nbgrader_config.py calls it) replaces Autograde.init_destination once."""
    from nbgrader.converters.autograde import Autograde

    from autograder.sandbox.intake import install_nbgrader_guard
    install_nbgrader_guard()
    guarded = Autograde.init_destination
    assert guarded.conv1d_guard
    install_nbgrader_guard()
    assert Autograde.init_destination is guarded
    assert compat.guard_autograde(lambda *a: None) is False


@fast
def test_no_module_but_compat_names_a_private_name():
    """Every use of PRIVATE_NAMES is in autograder/compat.py: no other module of the course names one (NumPy's
    correlate2 aside: sandbox/child.py's stand-in, and judge.py's list of what an answer may not use)."""
    elsewhere = {"correlate2": {"sandbox/child.py", "sandbox/judge.py"}}
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel == "compat.py":
            continue
        text = path.read_text()
        for _, dotted in compat.PRIVATE_NAMES:
            name = dotted.rsplit(".", 1)[-1]
            if re.search(rf"\b{re.escape(name)}\b", text) and rel not in elsewhere.get(name, ()):
                found.append(f"{rel}: {name}")
    assert not found, "private names used outside autograder/compat.py: " + ", ".join(found)


# ----------------------------------------------------------------------------- the class grader's
@fast
def test_nbgraders_gradebook_makes_its_engine_through_the_replaced_name():
    """serialize_sqlite_writers replaces nbgrader.api's create_engine: Gradebook must still call it by that name."""
    from nbgrader.api import Gradebook
    assert "create_engine(" in inspect.getsource(Gradebook.__init__)


@fast
def test_sqlite_writers_wait_and_take_the_write_lock_first(tmp_path, monkeypatch):
    """A gradebook opened after serialize_sqlite_writers waits for a busy database, and its transactions
    take the write lock when they begin (BEGIN IMMEDIATE): another writer cannot start one meanwhile."""
    import sqlite3

    import nbgrader.api
    from nbgrader.api import Gradebook
    from sqlalchemy import text
    monkeypatch.setattr(nbgrader.api, "create_engine", nbgrader.api.create_engine)     # undone after the test
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent), prepend=os.pathsep)   # nbgrader runs `alembic`
    assert compat.serialize_sqlite_writers(busy_timeout_s=7) is True
    assert compat.serialize_sqlite_writers(busy_timeout_s=7) is False                   # once
    path = tmp_path / "gradebook.db"
    with Gradebook(f"sqlite:///{path}") as gb:
        assert gb.db.execute(text("PRAGMA busy_timeout")).scalar() == 7000
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            gb.db.commit()
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        finally:
            other.close()


@fast
def test_zip_collect_ends_with_the_step_the_extractor_follows():
    """after_zip_collect replaces ZipCollectApp.process_extracted_files on the app: it must still be the
    last thing ZipCollectApp.start does, so the extractor's report comes after everything is collected."""
    from nbgrader.apps.zipcollectapp import ZipCollectApp
    start = ast.parse(textwrap.dedent(inspect.getsource(ZipCollectApp.start))).body[0]
    last = start.body[-1]
    assert ast.unparse(last) == "self.process_extracted_files()"


@fast
def test_after_zip_collect_runs_its_step_then_the_callers():
    calls = []

    class App:
        def process_extracted_files(self):
            calls.append("collected")
    app = App()
    assert compat.after_zip_collect(app, lambda: calls.append("reported")) is True
    app.process_extracted_files()
    assert calls == ["collected", "reported"]
    assert compat.after_zip_collect(None, lambda: calls.append("never")) is False


@fast
def test_a_zips_entry_count_is_read_from_its_end_record(tmp_path):
    path = tmp_path / "download.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(3):
            zf.writestr(f"f{i}.ipynb", "{}")
    with open(path, "rb") as f:
        assert compat.zip_entry_count(f) == 3
    (tmp_path / "not.zip").write_bytes(b"not a zip" * 100)
    with open(tmp_path / "not.zip", "rb") as f, pytest.raises(zipfile.BadZipFile):
        compat.zip_entry_count(f)


@fast
def test_exit_handlers_run_before_os_exit():
    """run_exit_handlers runs what atexit holds (os._exit would skip it), once."""
    code = ("import atexit, os\n"
            "from autograder import compat\n"
            "atexit.register(os.write, 1, b'ran ')\n"
            "compat.run_exit_handlers()\n"
            "compat.run_exit_handlers()\n"
            "os._exit(0)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert (out.returncode, out.stdout) == (0, b"ran "), out.stderr.decode()


# ----------------------------------------------------------------------------- the notebooks' check code
def test_torchs_conv1d_sample_inputs_are_still_where_the_checks_read_them():
    """autograder/notebook/samples.py (embedded in the notebooks, so it imports torch's private module itself)
    reads torch's own conv1d sample inputs from torch.testing._internal's op_db: the pinned torch (with
    expecttest, requirements.txt) must still have them. Not in make test-fast: the import takes seconds."""
    import torch
    from torch.testing._internal.common_methods_invocations import op_db
    op = next((o for o in op_db if o.name == "nn.functional.conv1d"), None)
    assert op is not None, "torch's op_db has no 'nn.functional.conv1d': autograder/notebook/samples.py needs a change"
    sample = next(iter(op.sample_inputs("cpu", torch.float64)))
    assert sample.input.ndim in (2, 3) and sample.args[0].ndim == 3      # input, weight: as samples.py reads them
