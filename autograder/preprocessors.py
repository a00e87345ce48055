"""nbgrader preprocessors of the course, listed in autograder/nbgrader_config.py."""
import asyncio
import atexit
import json
import os
import stat
import sys
import tempfile
import time
from queue import Empty

import nbformat
import zmq

from jupyter_core.utils import ensure_async
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_hook, run_sync
from nbformat.v4 import new_output
from nbgrader import preprocessors as nbp
from nbgrader.api import Gradebook
from traitlets import Bool, Integer

from . import timing
from .sandbox.confine import remove_tree, sockets_fit

NOT_RUN = ("KernelDied", "NotRun", "CellTimeoutError")


def is_test_cell(cell):
    nb = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and nb.get("grade") and not nb.get("solution")


def grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def is_answer_cell(cell):
    return bool(cell.metadata.get("nbgrader", {}).get("solution"))


def source_notebook(config, info):
    """The assignment's source notebook (solutions/), for the facts a submission must not decide. Read
    once per grading process while the file stays the same (several preprocessors ask for it, for
    every submission); the callers only read it."""
    from nbgrader.coursedir import CourseDirectory
    coursedir = CourseDirectory(config=config)
    folder = coursedir.format_path(coursedir.source_directory, ".", info["assignment"])
    path = os.path.realpath(os.path.join(folder, info["notebook"] + ".ipynb"))
    st = os.stat(path)
    key = (path, st.st_mtime_ns, st.st_size)
    if key not in _SOURCES:
        _SOURCES[key] = nbformat.read(path, as_version=4)
    return _SOURCES[key]


_SOURCES = {}   # source_notebook's notebooks, by (path, mtime, size)


def course_code(source):
    """The sources of the course's own code cells (not answers, not tests) in a source notebook."""
    return {c.source for c in source.cells if c.cell_type == "code" and not is_answer_cell(c) and not is_test_cell(c)}


def bonus_cells(source):
    """{grade_id: extra points} of the bonus test cells of a source notebook (metadata course.bonus)."""
    return {grade_id(c): float(c.metadata["course"]["bonus"]) for c in source.cells
            if is_test_cell(c) and "bonus" in c.metadata.get("course", {})}


def _is_socket(path):
    try:
        return stat.S_ISSOCK(os.lstat(path).st_mode)
    except OSError:
        return False


def error_output(ename, evalue):
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class Execute(nbp.Execute):
    """nbgrader's Execute, with two changes:
    - A dead kernel ends the run of this notebook only: the cell that killed it and every later cell
      get an error output (and so no points), and grading goes on.
    - Only the student's code runs in the student's kernel: answer cells, and cells the student added
      or edited. Graded test cells are not run there: their verdict comes from the Judge, which runs
      each of them again outside the kernel (their outputs stay empty until the Judge fills them). The
      course's own cells, unchanged (worked examples, the check code, the explorer panel, notebook 07's
      timings), are not run either: nothing graded reads them (answers must stand alone, and the judge
      runs them on their own), and they cost two thirds of a submission's grading time (import torch,
      the examples).
    """

    max_output = Integer(1024 ** 2, help="Bytes of output a cell may show; more is cut with a note.").tag(config=True)
    max_total_output = Integer(8 * 1024 ** 2, help="Bytes of output all the student's cells of one notebook may "
                                                   "show; the cells after that show none (a note says so).").tag(config=True)
    total_timeout = Integer(300, help="Seconds the student's cells of one notebook may take in all; the cells "
                                      "after that are not run (each cell also has `timeout`).").tag(config=True)
    max_message = Integer(16 * 1024 ** 2, help="Bytes of one message from the kernel; a larger one "
                                               "disconnects it (the kernel then counts as dead).").tag(config=True)

    prestart = Bool(True, help="Start the next notebook's kernel as soon as this one's is done, so that it "
                               "boots while this submission is judged and saved. It runs nothing until the "
                               "next notebook takes it.").tag(config=True)

    _next = None        # (scratch folder, kernel manager) of a kernel started ahead, not yet taken

    def preprocess(self, nb, resources=None, km=None):
        """Run the notebook with the kernel in a private scratch folder (never the submission's folder
        in autograded/, which nbgrader writes after the kernel is gone), talking over ZeroMQ IPC
        sockets in a folder of their own; both are deleted afterwards, links and all, unfollowed.
        The kernel is the one started ahead for this notebook (prestart), when it is still alive."""
        from .sandbox.judge import Zygote
        Zygote.shared()     # the judge's zygote (one per grading process) gets ready while the kernel starts
        self._dead = False
        self._spent = 0.0
        self._shown_in_all = 0
        self._course_code = course_code(source_notebook(self.config, resources["nbgrader"]))
        ahead = self._take_ahead() if km is None else None
        scratch, km = ahead or (self._scratch(), km)
        metadata = resources.setdefault("metadata", {})
        path = metadata.get("path")
        metadata["path"] = self._work
        try:
            with timing.part("kernel"):
                try:
                    return super().preprocess(nb, resources, km)
                except Exception:
                    if self.km is not None and not ahead and self.kc is None:   # it never started
                        _discard(self.km)
                    raise
                finally:
                    if ahead:       # nbclient shuts down only the kernels it started itself
                        self._cleanup_kernel()
        finally:
            metadata["path"] = path
            remove_tree(scratch)
            if self.prestart and not isinstance(sys.exc_info()[1], (KeyboardInterrupt, SystemExit)):
                self._start_ahead(resources)

    def _scratch(self):
        """A new private scratch folder: work/ (the kernel's working folder), ipc/ (its sockets), conn/
        (its connection file), each 0700; sets self._work, _sockets, _private. It is made in the temp
        folder (TMPDIR) when the sockets' paths fit the 107 bytes Linux allows, else in /tmp."""
        base = tempfile.gettempdir()
        if not sockets_fit(base):
            base = "/tmp"
        scratch = tempfile.mkdtemp(prefix="conv1d-kernel-", dir=base)
        self._work, self._sockets, self._private = (os.path.join(scratch, d) for d in ("work", "ipc", "conn"))
        for folder in (self._work, self._sockets, self._private):
            os.mkdir(folder, 0o700)
        return scratch

    def _start_ahead(self, resources):
        """Start the next notebook's kernel now, the way nbclient starts one (start_new_kernel), in a
        scratch folder of its own; a kernel that fails to start is simply not kept."""
        scratch = self._scratch()
        metadata = resources.setdefault("metadata", {})
        path = metadata.get("path")
        metadata["path"] = self._work
        self.km = self.create_kernel_manager()
        try:
            self.start_new_kernel()
            if Execute._next is None:
                atexit.register(_drop_ahead)
            Execute._next = (scratch, self.km, (self._work, self._sockets, self._private))
        except Exception:
            _abandon(scratch, self.km)
        finally:
            self.km = None
            metadata["path"] = path

    def _take_ahead(self):
        """(scratch folder, kernel manager) of the kernel started ahead when it is still alive, else None."""
        ahead, Execute._next = Execute._next, None
        if ahead is None:
            return None
        scratch, km, folders = ahead
        if run_sync(km.is_alive)():
            self._work, self._sockets, self._private = folders
            return scratch, km
        _abandon(scratch, km)
        return None

    def create_kernel_manager(self):
        """The kernel manager, on IPC transport: the sandboxed kernel has no network."""
        km = super().create_kernel_manager()
        km.transport = "ipc"
        km.ip = os.path.join(self._sockets, "kernel")
        km.connection_file = os.path.join(self._private, "kernel.json")
        return km

    async def async_start_new_kernel_client(self):
        """Connect only once the kernel has made its sockets (before any student code can run: the
        first cell is sent after this), only to sockets (never through a link), and for good: ZeroMQ
        must not reconnect later to a socket path the student's code could have replaced. A message
        over max_message disconnects the kernel rather than fill the grader's memory."""
        deadline = time.monotonic() + self.startup_timeout
        paths = [f"{self.km.ip}-{port}" for port in self.km.ports]
        while not all(_is_socket(p) for p in paths):
            if time.monotonic() > deadline or not await self.km.is_alive():
                raise DeadKernelError("the kernel did not start")
            await asyncio.sleep(0.02)
        # The client (shell, iopub, stdin, heartbeat) gets a context of its own: both get the options.
        self.kc = self.km.client()
        for context in {self.km.context, self.kc.context}:
            context.setsockopt(zmq.RECONNECT_IVL, -1)
            context.setsockopt(zmq.MAXMSGSIZE, self.max_message)
        # The manager's control socket was made before the kernel's existed: make it again, connected once.
        self.km._close_control_socket()
        self.km._connect_control_socket()
        try:
            await ensure_async(self.kc.start_channels(hb=False))    # the heartbeat would make new sockets
            await self._kernel_ready(deadline)
        except Exception:
            await self._async_cleanup_kernel()
            raise
        self.kc.allow_stdin = False
        await run_hook(self.on_notebook_start, notebook=self.nb)
        return self.kc

    start_new_kernel_client = run_sync(async_start_new_kernel_client)     # nbclient binds its own at class level

    async def _kernel_ready(self, deadline):
        """Return once the kernel has answered a kernel_info request on its shell channel and IOPub has
        delivered that request's status "idle": IOPub is then subscribed (ZeroMQ drops what a kernel
        publishes before the subscription is made, so the request is sent again until it is) and nothing
        older is pending. jupyter_client's wait_for_ready instead waits for 0.2 s of IOPub silence, after
        0.2 s for one IOPub message: 0.2-0.4 s of every submission's grading spent waiting. Raises
        DeadKernelError when the kernel dies or has not answered by `deadline` (time.monotonic())."""
        while True:
            if time.monotonic() > deadline or not await self.km.is_alive():
                raise DeadKernelError("the kernel did not answer kernel_info")
            msg_id = self.kc.kernel_info()
            try:
                reply = await ensure_async(self.kc.shell_channel.get_msg(timeout=1))
            except Empty:
                continue
            if reply.get("parent_header", {}).get("msg_id") != msg_id:
                continue            # the reply to an earlier try; its IOPub messages are skipped below
            until = time.monotonic() + 0.5
            while (left := until - time.monotonic()) > 0:
                try:
                    msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=left))
                except Empty:
                    break
                if msg["msg_type"] == "status" and msg.get("parent_header", {}).get("msg_id") == msg_id \
                        and msg["content"].get("execution_state") == "idle":
                    self.kc._handle_kernel_info_reply(reply)
                    return

    async def _async_cleanup_kernel(self):
        """nbclient's cleanup, without ZeroMQ's one-second linger on sockets whose kernel is gone
        (0.9 s a submission)."""
        kc = getattr(self, "kc", None)
        channels = [getattr(kc, name, None) for name in ("_shell_channel", "_iopub_channel", "_stdin_channel",
                                                         "_control_channel")] if kc is not None else []
        sockets = [getattr(ch, "socket", None) for ch in channels] + [getattr(self.km, "_control_socket", None)]
        for sock in sockets:
            if sock is not None and not sock.closed:
                sock.linger = 0
        await super()._async_cleanup_kernel()

    _cleanup_kernel = run_sync(_async_cleanup_kernel)

    def output(self, outs, msg, display_id, cell_index):
        """nbclient's output handling, with at most max_output bytes shown per cell and max_total_output
        bytes in the whole notebook (a grading process holds the notebook in memory: many cells of output
        must not fill it)."""
        size = len(json.dumps(msg.get("content", {}), default=str))
        over = (self.max_output if self._shown + size > self.max_output else
                self.max_total_output if self._shown_in_all + size > self.max_total_output else None)
        if over is not None:
            if not self._cut:
                self._cut = True
                what = "this cell" if over == self.max_output else "the notebook's cells"
                outs.append(new_output("stream", name="stderr", text=f"[output cut: {what} showed more than {over} bytes]\n"))
            return None
        self._shown += size
        self._shown_in_all += size
        return super().output(outs, msg, display_id, cell_index)

    def is_students(self, cell):
        return not is_test_cell(cell) and (
            is_answer_cell(cell) or cell.source not in self._course_code)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if not self.is_students(cell) and not self._dead:
            cell.outputs = []
            return cell, resources
        if self._dead:
            cell.outputs = [error_output("NotRun", "not run: the kernel died in an earlier cell")]
            return cell, resources
        if self._spent > self.total_timeout:
            cell.outputs = [error_output("NotRun", f"not run: the notebook's cells took more than {self.total_timeout} s "
                                                   "in all")]
            return cell, resources
        self._shown, self._cut = 0, False
        start = time.monotonic()
        try:
            with timing.part("cells"):
                return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._dead = True
            cell.outputs.append(error_output(
                "KernelDied", "the kernel died in this cell (sys.exit/os._exit, a crash, or too much memory)"))
            return cell, resources
        except CellTimeoutError as e:
            if "IOPub" not in str(e):
                raise
            self._dead = True       # its output channel is gone: a message over max_message, or worse
            cell.outputs.append(error_output(
                "KernelDied", f"the kernel's output was cut off in this cell (a message over {self.max_message} "
                              "bytes, or the kernel stopped answering)"))
            return cell, resources
        finally:
            self._spent += time.monotonic() - start


def _discard(km):
    """A kernel manager whose kernel failed to start: its process killed, its ZeroMQ sockets and context
    closed without lingering (a context left to the garbage collector with a socket open blocks it
    forever)."""
    try:
        if km.provisioner is not None and km.provisioner.process is not None:
            km.provisioner.process.kill()
    except Exception:
        pass
    try:
        if km._control_socket is not None:
            km._control_socket.close(linger=0)
            km._control_socket = None
        km.context.destroy(linger=0)
    except Exception:
        pass


def _abandon(scratch, km):
    """A kernel nobody will use (it failed to start, died while waiting, or is left at exit): killed,
    its ZeroMQ sockets closed (_discard), its scratch folder deleted."""
    _discard(km)
    remove_tree(scratch)


def _drop_ahead():
    """At exit: the kernel started ahead that no notebook took is abandoned."""
    ahead, Execute._next = Execute._next, None
    if ahead:
        _abandon(*ahead[:2])


_warned_no_secret = []


class Judge(nbp.NbGraderPreprocessor):
    """The verdict of every graded test cell, reached outside the student's kernel (autograder/sandbox/judge.py).

    Runs after Execute, before SaveAutoGrades. A test cell's outputs are replaced by the judge's: its
    printed checks and, on failure, one error line (message and hint; no traceback, which would quote
    hidden tests). A test cell that did not run in the kernel (dead kernel, timeout) keeps its error.

    Flags for the instructor (never points): what the answer's process tried and was refused (loading
    a compiled module, gc, files, processes, ...), shown in the test cell's output, and lines of the
    answer that reach for NumPy's internals or around the rules (judge.answer_flags). All of them go
    to the autograded notebook's metadata conv1d.flags, which `python -m autograder grade` lists.
    """

    timeout = Integer(30, help="Seconds the student's code may take for one test cell.").tag(config=True)
    bonus = Bool(True, help="Judge the bonus test cells (metadata course.bonus in the source notebook: "
                            "notebook 07's speed bonus). False: they are not run, fail with a note, and "
                            "nobody gets their extra credit.").tag(config=True)

    def preprocess(self, nb, resources):
        from .sandbox import confine, judge
        (self.log.info if confine.bwrap() else self.log.warning)("Sandbox: %s", confine.sandbox_status())
        if not os.environ.get(confine.SECRET_VARIABLE) and not _warned_no_secret:
            _warned_no_secret.append(True)          # once per run (one nbgrader process)
            self.log.warning(confine.NO_SECRET)
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            answer_ids = {c.name for c in notebook.solution_cells}
            test_ids = {c.name for c in notebook.grade_cells} - answer_ids
            sources = {c.name: c.source for c in notebook.source_cells if c.name in test_ids}
        bonus_ids = bonus_cells(source_notebook(self.config, info))
        answers, seen = [], set()
        for cell in nb.cells:
            gid = grade_id(cell)
            if cell.cell_type == "code" and gid in answer_ids and gid not in seen:
                seen.add(gid)
                answers.append(cell.source)
        broken = None
        zygote = judge.Zygote.shared()  # every test cell forks a fresh answer process from it
        flags = judge.answer_flags([judge.to_python(a) for a in answers])
        noted = set()
        course = course_code(source_notebook(self.config, info))
        elsewhere = {}      # names the student defined in cells the grader does not run: {name: cell number}
        for number, cell in enumerate(nb.cells, 1):
            if cell.cell_type == "code" and not is_test_cell(cell) and grade_id(cell) not in answer_ids \
                    and cell.source not in course:
                for name in judge.defined_names(judge.to_python(cell.source)):
                    elsewhere.setdefault(name, number)
        for cell in nb.cells:
            if not is_test_cell(cell):
                continue
            stopped = [o for o in cell.outputs if o.output_type == "error" and o.ename in NOT_RUN]
            if stopped:   # one clean line: the kernel's traceback would quote the hidden tests
                cell.outputs = [error_output(stopped[-1].ename,
                                             stopped[-1].evalue or "the cell did not finish within the time limit")]
                continue
            gid = grade_id(cell)
            if gid not in sources:
                # Not a test cell of this assignment (forged metadata): never run its source here.
                del cell.metadata["nbgrader"]
                continue
            if broken:
                text, err = "", broken
            elif gid in bonus_ids and not self.bonus:
                text, err = "", ("BonusOff", "this course does not offer this bonus (c.Judge.bonus = False)")
            else:
                with timing.part("judge"):
                    verdict = judge.judge_cell(sources[gid], answers, self.timeout, zygote)
                text, err = verdict.text, verdict.error
                if not verdict.started:
                    broken = err
                text = "".join(f"note: {n}\n" for n in verdict.notes if n not in noted) + text
                noted.update(verdict.notes)
                if verdict.flags:
                    flags += [f"{gid}: {f}" for f in verdict.flags]
                    text += "".join(f"⚑ flagged for your instructor: {f}\n" for f in verdict.flags)
                if err:
                    err = (err[0], explain(err, judge.names_needed(sources[gid]), elsewhere))
            cell.outputs = ([new_output("stream", name="stdout", text=text)] if text else []) + \
                           ([error_output(*err)] if err else [])
        if flags:
            self.log.warning("Flagged for the instructor: %s", "; ".join(flags))
        nb.metadata.setdefault("conv1d", {})["flags"] = flags
        return nb, resources


def explain(err, needed, elsewhere):
    """A failed test cell's one-line message, never empty; when the answer cells lack a name (or still
    raise the stub's NotImplementedError) that another cell defines, it says that cell is not graded."""
    ename, evalue = err
    message = evalue.strip() or f"your code raised {ename} with no message"
    stuck = "NotImplementedError" in message or "not defined by your answer cells" in message
    moved = sorted(n for n in needed if n in elsewhere) if stuck else []
    for name in moved:
        message += (f" `{name}` is defined in cell {elsewhere[name]}, which is not an answer cell: the grader runs "
                    "only the answer cells, so move it into its answer cell.")
    return message


class RestoreMetadata(nbp.NbGraderPreprocessor):
    """Sanitizing, first after ClearOutput: a cell whose nbgrader metadata an editor wiped (or never had:
    an editor that drops unknown metadata) gets it back when its cell id is still the id of a graded
    or answer cell of the released notebook. Cells without ids (nbformat < 4.5) cannot be recognised
    this way (AddMissingCells then puts the released cell back); they get fresh ids, which nbgrader's
    cell-type restore needs."""

    def preprocess(self, nb, resources):
        source = source_notebook(self.config, resources["nbgrader"])
        self.by_id = {c.get("id"): c.metadata["nbgrader"] for c in source.cells
                      if c.get("id") and c.metadata.get("nbgrader", {}).get("grade_id")}
        if any("id" not in c for c in nb.cells):     # nbformat < 4.5: cells get ids, as nbformat 4.5 wants
            from nbformat.corpus.words import generate_corpus_id
            for cell in nb.cells:
                cell.setdefault("id", generate_corpus_id())
            nb.nbformat_minor = max(nb.get("nbformat_minor", 0), 5)
        self.present = {grade_id(c) for c in nb.cells if grade_id(c)}
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        meta = self.by_id.get(cell.get("id"))
        if meta and not cell.metadata.get("nbgrader") and meta["grade_id"] not in self.present:
            self.log.warning("Cell %s had lost its nbgrader metadata: restored from its cell id", cell.get("id"))
            cell.metadata["nbgrader"] = dict(meta)
            self.present.add(meta["grade_id"])
        return cell, resources


class AddMissingCells(nbp.NbGraderPreprocessor):
    """Sanitizing, after OverwriteCells (whose own add_missing_cells raises KeyError when an answer cell
    and the test after it are both deleted): every graded or answer cell of the gradebook that the
    submission lacks is put back as released (an answer cell as its stub, so it scores nothing),
    after the nearest cell that precedes it in the released notebook, in any combination of deletions."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            order = [c.name for c in notebook.source_cells]
            graded = {c.name: c.max_score for c in notebook.grade_cells}
            answers = {c.name for c in notebook.solution_cells}
            sources = {c.name: (c.source, c.cell_type, c.locked) for c in notebook.source_cells}
        present = {grade_id(c): i for i, c in enumerate(nb.cells) if grade_id(c)}
        for name in order:
            if name in present or (name not in graded and name not in answers):
                continue
            source, cell_type, locked = sources[name]
            cell = (nbformat.v4.new_code_cell if cell_type == "code" else nbformat.v4.new_markdown_cell)(source)
            cell.metadata["nbgrader"] = {"grade": name in graded, "solution": name in answers, "locked": bool(locked),
                                         "grade_id": name, "schema_version": 3,
                                         **({"points": graded[name]} if name in graded else {})}
            before = [present[n] for n in order[:order.index(name)] if n in present]
            at = max(before) + 1 if before else 0
            nb.cells.insert(at, cell)
            present = {grade_id(c): i for i, c in enumerate(nb.cells) if grade_id(c)}
            self.log.warning("Missing cell %s: put back as released", name)
        return nb, resources


SAFE_OUTPUT = {"text/plain", "image/png", "image/jpeg", "image/gif"}


class SanitizeOutputs(nbp.NbGraderPreprocessor):
    """After Judge: nothing the student's code or notebook wrote can run in a browser that opens the
    feedback or formgrader (whose session can set grades). Outputs keep only plain text and bitmap
    images (HTML, JavaScript, SVG, widgets go; a text/plain twin stays when there is one); a markdown
    cell that is not one of the course's own is shown as its source text (an indented code block)."""

    def preprocess(self, nb, resources):
        source = source_notebook(self.config, resources["nbgrader"])
        self.course_markdown = {c.source for c in source.cells if c.cell_type == "markdown"}
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown" and cell.source not in self.course_markdown:
            # shown as its source, in an indented code block: no HTML, no link, nothing to escape from
            cell.source = "\n".join("    " + line for line in cell.source.splitlines())
            cell.pop("attachments", None)
        for out in cell.get("outputs", []):
            if "data" in out:
                out["data"] = {k: v for k, v in out["data"].items() if k in SAFE_OUTPUT} or {"text/plain": ""}
        return cell, resources


class DropForeignMetadata(nbp.NbGraderPreprocessor):
    """Sanitizing, right after DeduplicateIds: nbgrader metadata the gradebook does not know goes, with a
    warning, and the cell becomes a plain one. Two cases would otherwise leave the submission ungraded
    (OverwriteCells fails with KeyError 'grade_id'): DeduplicateIds empties a duplicate's metadata to
    `{}`, and a student can forge metadata for a graded cell that the assignment does not have."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            self.known = {c.name for c in notebook.source_cells}
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        meta = cell.metadata.get("nbgrader")
        if meta is not None and meta.get("grade_id") not in self.known:
            if meta:
                self.log.warning("Cell %r is not a cell of this assignment: graded as a plain cell", meta.get("grade_id"))
            del cell.metadata["nbgrader"]
        return cell, resources


class ExtraCredit(nbp.NbGraderPreprocessor):
    """After SaveAutoGrades: a bonus test cell is worth 0 points in nbgrader's metadata, so missing it
    costs nothing; when it passes, the student gets its bonus as nbgrader's extra credit (counted in
    every score nbgrader reports). The bonus is read from the source notebook (metadata
    course.bonus), never from the submission, and is reset on every regrade."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        bonus = bonus_cells(source_notebook(self.config, info))
        if not bonus:
            return nb, resources
        passed = {grade_id(c): not any(o.output_type == "error" for o in c.outputs)
                  for c in nb.cells if is_test_cell(c) and grade_id(c) in bonus}
        with Gradebook(info["db_url"]) as gb:
            for gid, points in bonus.items():
                grade = gb.find_grade(gid, info["notebook"], info["assignment"], info["student"])
                grade.extra_credit = points if passed.get(gid) else 0.0
            gb.db.commit()
        return nb, resources


class FeedbackPage(nbp.NbGraderPreprocessor):
    """generate_feedback (after GetGrades): the page a student reads.

    - At the top, a table of every graded test cell by name: its points and its one-line message
      and hint (or "passed"), escaped; messages wrap instead of running past the box.
    - The course's generated code cells (check code, explorer panel), the same for everyone and
      hundreds of lines long, are left out, with a one-line note where they were.
    - The course's formulas ($...$, $$...$$) become MathML, which browsers draw without MathJax's CDN,
      so the page reads right offline (a formula latex2mathml cannot read stays as written)."""

    STYLE = ("<style>.conv1d-summary{border-collapse:collapse;margin:0 0 1em}.conv1d-summary td,"
             ".conv1d-summary th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}"
             ".conv1d-summary td{white-space:pre-wrap;overflow-wrap:anywhere}.conv1d-summary td:nth-child(-n+2)"
             "{white-space:nowrap;overflow-wrap:normal}"
             "div.output_area pre,div.output_subarea pre{white-space:pre-wrap;overflow-wrap:anywhere}</style>")

    def preprocess(self, nb, resources):
        import html
        from nbformat.v4 import new_markdown_cell
        source = source_notebook(self.config, resources["nbgrader"])
        generated = {c.source: c.metadata["course"]["generated"] for c in source.cells
                     if c.metadata.get("course", {}).get("generated")}
        ours = {c.source for c in source.cells if c.cell_type == "markdown"}
        cells, rows = [], []
        for cell in nb.cells:
            kind = cell.metadata.get("course", {}).get("generated") or generated.get(cell.source)
            if kind and cell.cell_type == "code" and not is_answer_cell(cell) and not is_test_cell(cell):
                what = "check code" if kind == "check" else "explorer panel"
                cells.append(new_markdown_cell(f"*The course's {what} cell is left out of this page: it is the "
                                               "same for everyone, and the notebook itself has it.*"))
                continue
            meta = cell.metadata.get("nbgrader", {})
            if is_test_cell(cell) and meta.get("points") is not None:
                rows.append((meta.get("grade_id", ""), meta.get("score"), meta.get("points"), self.message(cell)))
            if cell.cell_type == "markdown" and cell.source in ours:
                cell.source = math_to_mathml(cell.source)
            cells.append(cell)
        table = ["<table class='conv1d-summary'><tr><th>test</th><th>points</th><th>result</th></tr>"]
        for name, score, points, message in rows:
            got = "–" if score is None else f"{float(score):g}"
            table.append(f"<tr><td>{html.escape(name)}</td><td>{got} / {float(points):g}</td>"
                         f"<td>{html.escape(message)}</td></tr>")
        table.append("</table>")
        nb.cells = [new_markdown_cell(self.STYLE + "\n\n" + "".join(table))] + cells
        return nb, resources

    @staticmethod
    def message(cell):
        """The cell's one-line message and hint from its error output, or "passed"."""
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                text = f"{out.get('ename', '')}: {out.get('evalue', '')}".strip(": ")
                lines = [line.strip() for line in text.splitlines() if line.strip()]
                return "\n".join(lines[:1] + [line for line in lines[1:] if line.startswith("Hint:")][:1])[:600]
        return "passed"


def math_to_mathml(text):
    """Markdown with $...$ and $$...$$ turned into MathML (inline code spans left alone)."""
    import re
    from latex2mathml.converter import convert

    def render(latex, display):
        try:
            return convert(latex.strip(), display="block" if display else "inline")
        except Exception:           # a formula it cannot read stays as the author wrote it
            return None

    def block(m):
        return render(m.group(1), True) or m.group(0)

    def inline(m):
        return render(m.group(1), False) or m.group(0)
    parts = re.split(r"(`+[^`]*`+)", text)
    for i in range(0, len(parts), 2):
        part = re.sub(r"\$\$(.+?)\$\$", block, parts[i], flags=re.S)
        parts[i] = re.sub(r"(?<![\\$])\$(?![\s$])([^$\n]+?)(?<![\s\\])\$(?!\d)", inline, part)
    return "".join(parts)
