"""Runs in every nbgrader process (autograde, zip_collect) and the class grader's grading processes: private names.

Every use of a dependency's private names, and every patch of a dependency, in one place; also imported by
nbgrader's config (autograder/nbgrader_config.py installs guard_autograde in every nbgrader process), by
the class grader's grading processes (autograder/classroom/gradingprocess.py) and by zip_collect's
extractor (autograder/classroom/unpack.py).

jupyter_client, nbclient, nbgrader and Python's own zipfile and atexit have no public way to do what the
course needs here; each function below says what it does with which private name, and tests/test_compat.py
checks that every name of PRIVATE_NAMES still exists in the pinned versions (requirements.txt; Python
3.11, pyproject.toml), so an upgrade that drops one fails a test instead of a grading run.

Elsewhere, and why:
- autograder/sandbox/child.py, the judge's answer process, replaces NumPy's convolution routines
  (`convolve`, `correlate` and the private `correlate2` of numpy._core.multiarray) with stand-ins that
  raise. It runs inside the sandbox, where only autograder/sandbox/ is there to import, so the patch stays
  there; the private name is in PRIVATE_NAMES all the same.
- autograder/notebook/samples.py, the check code embedded in the notebooks, reads torch's own conv1d
  sample inputs from torch.testing._internal (op_db's 'nn.functional.conv1d'). A notebook's check cell
  holds only autograder/notebook/ modules, so the import stays there; tests/test_compat.py checks it.
"""
import atexit
import zipfile

from nbclient.util import run_sync

# (module, dotted attribute path) of each private name used by the course, for tests/test_compat.py
PRIVATE_NAMES = (
    ("jupyter_client.manager", "KernelManager._close_control_socket"),
    ("jupyter_client.manager", "KernelManager._connect_control_socket"),
    ("jupyter_client.manager", "KernelManager._control_socket"),
    ("jupyter_client.client", "KernelClient._handle_kernel_info_reply"),
    ("jupyter_client.client", "KernelClient._shell_channel"),
    ("jupyter_client.client", "KernelClient._iopub_channel"),
    ("jupyter_client.client", "KernelClient._stdin_channel"),
    ("jupyter_client.client", "KernelClient._control_channel"),
    ("nbclient.client", "NotebookClient._get_timeout"),
    ("nbclient.client", "NotebookClient._async_cleanup_kernel"),
    ("nbclient.client", "NotebookClient._cleanup_kernel"),
    ("nbgrader.converters.autograde", "Autograde._format_source"),
    ("nbgrader.converters.autograde", "Autograde.init_destination"),     # public, but replaced (guard_autograde)
    ("numpy._core.multiarray", "correlate2"),                             # child.py's stand-in replaces it
    ("nbgrader.api", "create_engine"),          # SQLAlchemy's, public, but replaced in nbgrader.api
    ("nbgrader.apps.zipcollectapp", "ZipCollectApp.process_extracted_files"),    # public, replaced on the app
    ("nbgrader.preprocessors", "NbGraderPreprocessor.display_data_priority"),    # public, tagged configurable
    ("atexit", "_run_exitfuncs"),
    ("zipfile", "_EndRecData"),
    ("zipfile", "_ECD_ENTRIES_TOTAL"),
)


# ----------------------------------------------------------------------------- jupyter_client
def reconnect_control_socket(km):
    """Make the kernel manager's control socket again and connect it, once the kernel's sockets exist (a
    manager makes it when the kernel starts, before an IPC kernel has made its socket files)."""
    km._close_control_socket()
    km._connect_control_socket()


def close_control_socket(km):
    """Close the kernel manager's control socket without lingering (a ZeroMQ context left to the garbage
    collector with a socket open blocks it forever), and forget it."""
    if getattr(km, "_control_socket", None) is not None:
        km._control_socket.close(linger=0)
        km._control_socket = None


def kernel_sockets(kc, km):
    """The ZeroMQ sockets of a kernel client's channels and of its manager's control channel that are open:
    those it has made (the channels are made on first use, and private until then)."""
    channels = [getattr(kc, name, None) for name in ("_shell_channel", "_iopub_channel", "_stdin_channel",
                                                     "_control_channel")] if kc is not None else []
    sockets = [getattr(ch, "socket", None) for ch in channels] + [getattr(km, "_control_socket", None)]
    return [s for s in sockets if s is not None and not s.closed]


def record_kernel_info(kc, reply):
    """What a kernel client does with a kernel_info reply it waited for itself (the protocol version, for
    the messages that follow); jupyter_client's wait_for_ready would do it."""
    kc._handle_kernel_info_reply(reply)


# ----------------------------------------------------------------------------- nbclient
class NotebookClientHooks:
    """Put in front of nbclient's NotebookClient (class Execute(NotebookClientHooks, nbp.Execute)): nbclient's
    private methods that the course overrides, turned into hooks with names of their own."""

    def cell_timeout(self, cell):
        """Seconds nbclient waits for a cell's reply (its `timeout`, or `timeout_func`)."""
        return super()._get_timeout(cell)

    def _get_timeout(self, cell):
        return self.cell_timeout(cell)

    async def before_kernel_cleanup(self):
        """Called before nbclient shuts the kernel down and closes its client."""

    async def _async_cleanup_kernel(self):
        await self.before_kernel_cleanup()
        await super()._async_cleanup_kernel()

    # nbclient binds the sync version at class level: bound again, to the method above
    _cleanup_kernel = run_sync(_async_cleanup_kernel)

    def cleanup_kernel(self):
        """Shut the kernel down and close its client, as nbclient does at the end of a notebook."""
        self._cleanup_kernel()

    async def async_cleanup_kernel(self):
        """cleanup_kernel, awaited in nbclient's event loop (a kernel that failed to start)."""
        await self._async_cleanup_kernel()


# ----------------------------------------------------------------------------- nbgrader
def guard_autograde(check):
    """Make nbgrader's autograde call `check(app, folder, student_id)` with each submission folder before it
    reads, copies or times anything in it (nbgrader has no hook there: Autograde.init_destination is
    replaced, and the folder comes from its private _format_source). Idempotent; returns whether it
    installed the guard now."""
    from nbgrader.converters.autograde import Autograde
    original = Autograde.init_destination
    if getattr(original, "conv1d_guard", False):
        return False

    def init_destination(self, assignment_id, student_id):
        check(self, self._format_source(assignment_id, student_id), student_id)
        return original(self, assignment_id, student_id)
    init_destination.conv1d_guard = True
    Autograde.init_destination = init_destination
    return True


def serialize_sqlite_writers(busy_timeout_s=300):
    """Make nbgrader's SQLite connections in this process start every transaction with BEGIN IMMEDIATE and
    wait up to `busy_timeout_s` for the lock. Two writers (the grading processes of one machine, sharing a
    gradebook) can then never deadlock upgrading read locks (SQLite's immediate "database is locked"); they
    take turns. nbgrader's Gradebook makes its engine with the create_engine of nbgrader.api's namespace, which
    is replaced by one that adds these two listeners to SQLite engines. Idempotent; returns whether it
    installed them now."""
    import nbgrader.api
    from sqlalchemy import event

    create = nbgrader.api.create_engine
    if getattr(create, "conv1d_serialized", False):
        return False

    def create_engine(url, *args, **kwargs):
        engine = create(url, *args, **kwargs)
        if engine.dialect.name == "sqlite":
            @event.listens_for(engine, "connect")
            def connect(dbapi_connection, record):
                dbapi_connection.isolation_level = None          # SQLAlchemy's begin event opens them
                dbapi_connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")

            @event.listens_for(engine, "begin")
            def begin(connection):
                connection.exec_driver_sql("BEGIN IMMEDIATE")
        return engine
    create_engine.conv1d_serialized = True
    nbgrader.api.create_engine = create_engine
    return True


def after_zip_collect(app, then):
    """Make nbgrader's zip_collect (a ZipCollectApp, `app`) call `then()` once it has handed the extracted
    files to its collector: its last step, process_extracted_files, is replaced on that one app (nbgrader
    has no hook after it). Returns whether it did: not for a parent without that step (an extractor made on
    its own)."""
    step = getattr(app, "process_extracted_files", None)
    if step is None:
        return False

    def process_extracted_files():
        step()
        then()
    app.process_extracted_files = process_extracted_files
    return True


def configurable_display_data_priority():
    """Make `display_data_priority` of nbgrader's preprocessors configurable, as nbconvert declares it (and
    nbgrader's own GetGrades re-declares it). nbconvert's HTMLExporter sets NbConvertBase.display_data_priority
    in its default config, and NbGraderPreprocessor re-declares the trait without config=True, so every
    `nbgrader generate_feedback` (and formgrader's) logged "Config option `display_data_priority` not
    recognized" for ClearHiddenTests and the course's FeedbackPage. None of them reads it (GetGrades, which
    does, took the value already). Idempotent."""
    from nbgrader.preprocessors import NbGraderPreprocessor
    NbGraderPreprocessor.class_traits()["display_data_priority"].metadata["config"] = True


# ----------------------------------------------------------------------------- Python's standard library
def run_exit_handlers():
    """Run the atexit handlers now (atexit's private _run_exitfuncs), for a process about to end with
    os._exit, which skips them: Python's own exit would wait a second for jupyter_client's lingering ZeroMQ
    sockets. They are cleared once run: none runs twice."""
    atexit._run_exitfuncs()


def zip_entry_count(f):
    """The number of entries a zip (`f`, a binary file open for reading) declares in its end record, read
    before its entries (zipfile.ZipFile reads every entry at once, and a zip can declare millions): zipfile's
    private _EndRecData and _ECD_ENTRIES_TOTAL. BadZipFile when it has no end record."""
    end = zipfile._EndRecData(f)
    if end is None:
        raise zipfile.BadZipFile("not a zip file")
    return end[zipfile._ECD_ENTRIES_TOTAL]
