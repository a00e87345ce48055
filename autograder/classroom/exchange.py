"""Runs in the `nbgrader collect` process (or formgrader's Collect, in its Jupyter server): the collector.

`nbgrader collect` for the file-system exchange, with nothing a student wrote taken on trust.

nbgrader's own collector (nbgrader.exchange.default.collect.ExchangeCollect) takes the student id
from an inbound folder's name, `<student>+<assignment>+<timestamp>[+<random>]`, so any account that
can write to inbound/ can hand in as anyone (nbgrader only logs "cheating attempt?" and collects the
forgery); one malformed name or timestamp ends the whole command; and it copies each folder with
shutil.copytree, following links (a link to the instructor's private file is copied into submitted/,
one to /dev/zero fills the disk).

`CheckedCollect` (autograder/nbgrader_config.py: `c.ExchangeFactory.collect`) collects from the same
folders, and

- refuses, with its reason, every folder of the assignment whose name does not parse, whose
  timestamp nbgrader cannot read, whose student id is not safe as a folder name and a spreadsheet
  cell (`student_id_problem`), that is not a real folder, or (the default) that is not owned, with
  everything in it, by the account the student id names: the uid the operating system records
  (lstat), whose account name must be the student id, used by no other account. Only then is the
  newest of each student's remaining folders taken (or, with --before-duedate, nbgrader's choice);
- checks the chosen folder with the course's intake rules (autograder/sandbox/intake.py: plain
  files with one link each, size and count limits) without following anything, then reads every
  file again relative to folder descriptors opened with O_NOFOLLOW (so a file swapped for a link
  meanwhile is refused, not read) and writes the copies into a fresh folder that then replaces
  submitted/<student>/<assignment>. A timestamp.txt there must hold a timestamp nbgrader can read.
  When a student's newest folder is refused here, none of their older folders is taken instead: the
  refused one is their last word, and the instructor reads why (a previous collect's copy stays);
- logs each refused folder in one line, its name and reason printed safely (`printable`), and
  collects the others: one student never stops the class. When a folder was refused the command ends
  with exit code 1 (as zip_collect), so a script notices; formgrader then shows the log.

Where the operating system cannot tell students apart (every student's files belong to one uid, as
on a JupyterHub whose servers all run as `jovyan`), no folder passes the owner check, and the
collector says so. `c.CheckedCollect.trust_folder_names = True` then takes student ids from folder
names as nbgrader does, and every run warns that anyone who can write to inbound/ can hand in as any
student: on such a machine use an LMS download with `nbgrader zip_collect` or an exchange service
that authenticates students (README, "Collecting").
"""
import errno
import fnmatch
import os
import pwd
import re
import shutil
import stat
import sys
import tempfile
from collections import defaultdict

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.utils import parse_utc
from traitlets import Bool

from ..limits import MAX_STUDENT_ID, MAX_TIMESTAMP
from ..sandbox import intake
from ..sandbox.intake import Rejected

SAFE_ID = re.compile(r"[\w.@-]+")


def printable(text, limit=80):
    """`text` as one safe line of a log: every character that is not printable (terminal control
    sequences, newlines, bidirectional overrides, bytes that were not UTF-8) as its escape, at most
    `limit` characters of it."""
    text = str(text)
    shown = text[:limit]
    out = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in shown)
    return out + (f"... ({len(text)} characters)" if len(text) > limit else "")


def student_id_problem(student):
    """Why `student` is not safe as a folder name (submitted/<student>/) and a CSV cell, or None."""
    if not student:
        return "no student id before the assignment's name"
    if len(student) > MAX_STUDENT_ID:
        return f"a student id of {len(student)} characters (at most {MAX_STUDENT_ID})"
    if not student.isprintable():
        return "a control or unprintable character in the student id"
    if "/" in student or "\\" in student:
        return "a path separator in the student id"
    if ".." in student:
        return "'..' in the student id"
    if student[0] in "-=+@":
        return f"a student id starting with '{student[0]}' (read as an option by commands, a formula by spreadsheets)"
    if student[0] == ".":
        return "a student id starting with '.' (a hidden folder)"
    if "+" in student:
        return "'+' in the student id (it separates the parts of the folder's name)"
    if not SAFE_ID.fullmatch(student):
        return "a character other than letters, digits and . _ - @ in the student id"
    return None


def parse_timestamp(text):
    """nbgrader's timestamp (`2024-03-01 12:00:00.000000 UTC`) as a UTC datetime; ValueError with the
    reason otherwise. Unlike nbgrader's parse_utc alone, never names a file to open (dateutil reads a
    time-zone name with a '/' as a path) and never raises anything else."""
    if not text or len(text) > MAX_TIMESTAMP or not text.isprintable() or "/" in text or "\\" in text:
        raise ValueError(f"malformed timestamp '{printable(text, 40)}'")
    try:
        return parse_utc(text)
    except Exception:  # noqa: BLE001  dateutil raises ValueError, OverflowError, TypeError...
        raise ValueError(f"malformed timestamp '{printable(text, 40)}'") from None


def parse_folder_name(name, assignment):
    """(student, timestamp) of an inbound folder `<student>+<assignment>+<timestamp>[+<random>]`;
    ValueError with the reason otherwise."""
    m = re.fullmatch(r"(?P<student>.*?)\+" + re.escape(assignment) + r"\+(?P<timestamp>[^+]*)(?:\+[^+]*)?",
                     name, re.DOTALL)
    if m is None:
        raise ValueError(f"not <student>+{assignment}+<timestamp>[+<random>]")
    problem = student_id_problem(m["student"])
    if problem:
        raise ValueError(problem)
    return m["student"], parse_timestamp(m["timestamp"])


class CheckedCollect(ExchangeCollect):
    """nbgrader's file-system collector, with the checks of this module's docstring."""

    trust_folder_names = Bool(
        False,
        help="Take a folder's student id from its name without asking the operating system who wrote it. "
             "Only where students cannot be told apart by their files' owner (one uid for everyone); anyone "
             "who can write to inbound/ can then hand in as any student. By default a folder is collected "
             "only when it, and everything in it, belongs to the account its name gives as the student id."
    ).tag(config=True)

    # --- which folders -------------------------------------------------------------------------------

    def init_src(self):
        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        assignment = self.coursedir.assignment_id
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.inbound_path = os.path.join(self.course_path, "inbound")
        self._inbound_fd = self._open_inbound()
        if self.trust_folder_names:
            self.log.warning(
                "CheckedCollect.trust_folder_names is set: student ids are taken from folder names and nobody "
                "checks who wrote them; anyone who can write to %s can hand in as any student (README, "
                "'Collecting': use an LMS download or an exchange service that authenticates students)",
                printable(self.inbound_path, 300))
        elif not self.check_owner:
            self.log.warning("ExchangeCollect.check_owner = False only silenced nbgrader's own warning: this course's "
                             "collector still refuses folders not owned by the student they name "
                             "(CheckedCollect.trust_folder_names)")
        only = self.coursedir.student_id if self.coursedir.student_id not in ("", "*") else None
        marker = f"+{assignment}+"
        try:
            with os.scandir(self._inbound_fd) as entries:
                names = sorted(e.name for e in entries if marker in e.name)
        except OSError as e:
            self.fail(f"Cannot list {self.inbound_path}: {e.strerror}")
        self.refused = []
        records, owners, owner_refusals = [], set(), 0
        for name in names:
            if only is not None and not name.startswith(only + marker):
                continue
            try:
                student, timestamp = parse_folder_name(name, assignment)
                st = os.stat(name, dir_fd=self._inbound_fd, follow_symlinks=False)
                if not stat.S_ISDIR(st.st_mode):
                    raise ValueError(f"{intake.kind(st.st_mode)}, not a folder (not followed)")
                owners.add(st.st_uid)
                if not self.trust_folder_names:
                    problem = self._owner_problem(student, st.st_uid)
                    if problem:
                        owner_refusals += 1
                        raise ValueError(problem)
            except (ValueError, OSError) as e:
                self._refuse(name, e.strerror if isinstance(e, OSError) else str(e))
                continue
            records.append({"username": student, "filename": name, "timestamp": timestamp, "uid": st.st_uid})
        if owner_refusals and len(owners) == 1 and not records:
            self.log.warning(
                "Every folder of %s in inbound/ belongs to %s: on this exchange the operating system cannot "
                "tell students apart, so none was collected. The file-system exchange is not safe here (README, "
                "'When the file-system exchange is not safe'); c.CheckedCollect.trust_folder_names = True takes "
                "student ids from folder names, "
                "which anyone can write", assignment, self._account(owners.pop()))

        by_student = defaultdict(list)
        for record in records:
            by_student[record["username"]].append(record)
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            try:
                self.duedate = gb.find_assignment(assignment).duedate
            except MissingEntry:
                self.duedate = None
        self.src_records = []
        for student in sorted(by_student):
            newest_first = self._sort_by_timestamp(by_student[student])
            if self.duedate is not None and self.before_duedate:
                before = [r for r in newest_first if r["timestamp"] <= self.duedate]
                newest_first = before or newest_first
            self.src_records.append(newest_first[0])

    def _open_inbound(self):
        """A descriptor of <root>/<course>/inbound, neither of the last two followed if a link."""
        try:
            root_fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError as e:
            self.fail(f"Cannot open the exchange {self.root}: {e.strerror}")
        fd = root_fd
        try:
            for part in (self.coursedir.course_id, "inbound"):
                # a failure below leaves at most the course folder's descriptor open: the command ends
                try:
                    st = os.stat(part, dir_fd=fd, follow_symlinks=False)
                except FileNotFoundError:
                    self.fail(f"Course not found: {self.inbound_path}")
                if not stat.S_ISDIR(st.st_mode):
                    self.fail(f"{printable(os.path.join(self.root, self.coursedir.course_id, part), 300)} is "
                              f"{intake.kind(st.st_mode)}, not a folder: not followed, nothing collected")
                try:
                    child = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
                except OSError as e:
                    self.fail(f"Cannot open {self.inbound_path}: {e.strerror}")
                if fd != root_fd:
                    os.close(fd)
                fd = child
            return fd
        finally:
            os.close(root_fd)

    def _owner_problem(self, student, uid):
        """Why a folder owned by `uid` is not `student`'s, or None."""
        try:
            account = pwd.getpwnam(student)
        except KeyError:
            return f"owned by {self._account(uid)}, and no account of this machine is named {student}"
        if account.pw_uid != uid:
            return f"owned by {self._account(uid)}, not by {student}: written by another account"
        names = sorted(set(self._names_of_uid().get(uid, ())) | {student})
        if len(names) > 1:
            return (f"uid {uid} belongs to several accounts ({printable(', '.join(names), 200)}): the operating "
                    "system cannot tell them apart")
        return None

    def _names_of_uid(self):
        """{uid: [account names]} of every account the system lists (read once a run)."""
        if getattr(self, "_uid_names", None) is None:
            self._uid_names = defaultdict(list)
            for p in pwd.getpwall():
                self._uid_names[p.pw_uid].append(p.pw_name)
        return self._uid_names

    @staticmethod
    def _account(uid):
        try:
            return f"{printable(pwd.getpwuid(uid).pw_name)} (uid {uid})"
        except KeyError:
            return f"uid {uid}"

    def _refuse(self, name, reason):
        self.refused.append(name)
        self.log.warning("Not collected: '%s': %s", printable(name), printable(reason, 300))

    # --- copying -------------------------------------------------------------------------------------

    def init_dest(self):
        pass

    def copy_files(self):
        assignment = self.coursedir.assignment_id
        try:
            if not self.src_records:
                self.log.warning("No submissions of '%s' for course '%s' to collect", assignment,
                                 self.coursedir.course_id)
            else:
                self.log.info("Processing %d submissions of '%s' for course '%s'", len(self.src_records),
                              assignment, self.coursedir.course_id)
            collected = 0
            for record in self.src_records:
                collected += self._collect(record)
            if self.refused:
                self.log.warning("Collected %d submission(s) of '%s'; %d folder(s) in inbound/ refused (each named "
                                 "above; exit code 1)", collected, assignment, len(self.refused))
        finally:
            os.close(self._inbound_fd)
        if self.refused:
            sys.exit(1)         # as zip_collect: something needs the instructor; the others are collected

    def _collect(self, record):
        student, name = record["username"], record["filename"]
        assignment = self.coursedir.assignment_id
        dest = self.coursedir.format_path(self.coursedir.submitted_directory, student, assignment)
        updating = os.path.lexists(dest)
        if updating:
            existing = self._existing_timestamp(dest)
            new = record["timestamp"]
            if not ((self.update and (existing is None or new > existing))
                    or (self.before_duedate and existing != new)):
                if self.update:
                    self.log.info("No newer submission to collect: %s %s", student, assignment)
                else:
                    self.log.info("Submission already exists, use --update to update: %s %s", student, assignment)
                return 0
        try:
            dirs, files = self._read(name, None if self.trust_folder_names else record["uid"])
        except Rejected as e:
            self._refuse(name, str(e))
            return 0
        try:
            self._write(dest, dirs, files)
        except OSError as e:            # a name this file system refuses, a full disk: this student only
            self._refuse(name, f"could not be written to {dest}: {e.strerror}")
            return 0
        self.log.info("%s submission: %s %s", "Updating" if updating else "Collecting", student, assignment)
        return 1

    def _limits(self):
        return min(intake.MAX_TOTAL, 1000 * self.coursedir.max_dir_size)

    def _read(self, name, uid):
        """(folders, [(relative path, bytes)]) of inbound/<name>, checked with intake's rules and read
        without following anything; Rejected with the reason otherwise. `uid`: every entry's owner
        (None: not checked)."""
        max_total = self._limits()
        prefix = f"inbound/{name}"
        path = os.path.join(self.inbound_path, name)
        try:
            listed = intake.check_folder(path, max_total=max_total)
        except Rejected as e:
            raise Rejected(str(e).replace(prefix + "/", "").replace(prefix, "the folder")) from None
        except OSError as e:            # a folder the instructor may not read (mode 000), ...
            where = os.path.relpath(e.filename, path) if isinstance(e.filename, str) else "the folder"
            raise Rejected(f"{'the folder' if where == '.' else where} could not be read: {e.strerror}") from None
        listed = {rel[len(prefix) + 1:] for rel in listed}
        dirs, files, total = [], [], [0]

        def changed(rel, why):
            return Rejected(f"{rel or 'the folder'} {why} (it changed while being collected)")

        def check_owner(st, rel):
            if uid is not None and st.st_uid != uid:
                raise Rejected(f"{rel or 'the folder'} belongs to {self._account(st.st_uid)}, "
                               "not to the folder's owner")

        def walk(fd, rel_dir, depth):
            if depth > intake.MAX_DEPTH:
                raise Rejected(f"{rel_dir}: folders nested more than {intake.MAX_DEPTH} deep")
            with os.scandir(fd) as entries:
                names = sorted(e.name for e in entries)
            for entry in names:
                rel = f"{rel_dir}/{entry}" if rel_dir else entry
                try:
                    child = os.open(entry, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=fd)
                except OSError as e:
                    if e.errno == errno.ELOOP:
                        raise changed(rel, "is a symbolic link") from None
                    raise Rejected(f"{rel} could not be read: {e.strerror}") from None
                try:
                    st = os.fstat(child)
                    check_owner(st, rel)
                    if stat.S_ISDIR(st.st_mode):
                        dirs.append(rel)
                        walk(child, rel, depth + 1)
                        continue
                    if not stat.S_ISREG(st.st_mode):
                        raise changed(rel, f"is {intake.kind(st.st_mode)}")
                    if st.st_nlink != 1:
                        raise changed(rel, "is a hard link")
                    data = _read_fd(child, intake.MAX_FILE)
                    if data is None:
                        raise changed(rel, f"has more than {intake.MAX_FILE // 1024 ** 2} MiB")
                    total[0] += len(data)
                    if total[0] > max_total:
                        raise changed("its files", f"hold more than {max_total // 1024 ** 2} MiB")
                    files.append((rel, data))
                finally:
                    os.close(child)

        try:
            top = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=self._inbound_fd)
        except OSError as e:
            if e.errno in (errno.ELOOP, errno.ENOTDIR):
                raise changed("", "is no longer a folder") from None
            raise Rejected(f"the folder could not be read: {e.strerror}") from None
        try:
            check_owner(os.fstat(top), "")
            walk(top, "", 0)
        except OSError as e:
            raise Rejected(f"the folder could not be read: {e.strerror}") from None
        finally:
            os.close(top)
        if {rel for rel, _ in files} != listed:
            raise changed("", "does not hold the files it held when checked")
        stamp = dict(files).get("timestamp.txt")
        if stamp is not None:
            try:
                parse_timestamp(stamp.decode("utf-8").strip())
            except (UnicodeDecodeError, ValueError) as e:
                raise Rejected(f"timestamp.txt: {e if isinstance(e, ValueError) else 'not text'}") from None
        return self._kept(dirs, files)

    def _kept(self, dirs, files):
        """What nbgrader's copy would keep: no name of CourseDirectory.ignore, files of .include, files
        within .max_file_size (the others skipped, as nbgrader does)."""
        cd = self.coursedir

        def excluded(rel):
            return any(fnmatch.fnmatch(part, glob) for part in rel.split("/") for glob in cd.ignore)
        kept_files = []
        for rel, data in files:
            base = rel.rsplit("/", 1)[-1]
            if excluded(rel) or (cd.include and not any(fnmatch.fnmatch(base, g) for g in cd.include)):
                continue
            if cd.max_file_size and len(data) > 1000 * cd.max_file_size:
                self.log.warning("Ignoring file too large '%s' (see config option CourseDirectory.max_file_size)",
                                 printable(rel, 200))
                continue
            kept_files.append((rel, data))
        return [d for d in dirs if not excluded(d)], kept_files

    def _write(self, dest, dirs, files):
        """The files as a fresh folder that then replaces `dest`."""
        parent = os.path.dirname(dest)
        os.makedirs(parent, exist_ok=True)
        base = os.path.basename(dest)
        fresh = tempfile.mkdtemp(prefix=f".{base}.collecting-", dir=parent)
        dir_mode, file_mode = (0o2775, 0o664) if self.coursedir.groupshared else (0o755, 0o644)
        try:
            for rel in sorted(dirs):
                os.mkdir(os.path.join(fresh, rel), dir_mode)
            for rel, data in files:
                fd = os.open(os.path.join(fresh, rel), os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                             | os.O_CLOEXEC, file_mode)
                try:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(fd, view):]
                finally:
                    os.close(fd)
            os.chmod(fresh, dir_mode)
            if self.coursedir.groupshared:
                for rel in dirs:
                    os.chmod(os.path.join(fresh, rel), dir_mode)
            old = None
            if os.path.lexists(dest):
                old = tempfile.mkdtemp(prefix=f".{base}.replaced-", dir=parent)
                os.rename(dest, os.path.join(old, base))
            try:
                os.rename(fresh, dest)
            except OSError:
                if old:                 # the previous submission back in its place
                    os.rename(os.path.join(old, base), dest)
                raise
            fresh = None
            if old:
                shutil.rmtree(old, ignore_errors=True)
        finally:
            if fresh:
                shutil.rmtree(fresh, ignore_errors=True)

    def _existing_timestamp(self, dest):
        """The timestamp of what submitted/ holds, or None when it has none nbgrader can read (then a new
        folder replaces it): never a reason to stop the command."""
        try:
            return parse_timestamp(intake.read_file(os.path.join(dest, "timestamp.txt"), 1000).decode().strip())
        except FileNotFoundError:
            return None
        except (OSError, ValueError, Rejected):
            self.log.info("%s: its timestamp.txt is unreadable; treated as older", printable(dest, 300))
            return None


def _read_fd(fd, limit):
    """The bytes of an open file, or None when it has more than `limit`."""
    chunks, size = [], 0
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
