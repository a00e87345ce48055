"""Runs in the `nbgrader zip_collect` process (its extractor): an LMS's download read as data.

The course's extractor for `nbgrader zip_collect` (c.ZipCollectApp.extractor_plugin): an LMS's
"download all submissions" read as data, each student's files decided apart from the others'.

nbgrader's own extractor (nbgrader.utils.unzip) unpacks every archive in downloaded/ASSIGNMENT/archive/
and then, again and again, every archive it finds inside, a student's upload included, with no bound (a
400 KiB upload became 401 MiB); a tar.gz upload with a `../` or a link member ended the whole command,
and so does nbgrader's collection on one student's duplicate file name. This extractor:

- reads each `.zip` under archive/ (at any depth) as one download, and the other files there (a download
  already unzipped) as one more; in those, a zip named as the LMS names a submitted file is a student's
  upload, and is not opened. Which LMS made a download and whose each file is are read from the names
  by autograder/classroom/lms.py (its docstring says which forms, and what is refused there);
- writes only the notebooks (the collector's `valid_ext`, `.ipynb`), each as
  extracted/<student id>/<file> under the name lms.py read: no name of the download is ever used as a
  path. A file a student uploaded that is not a notebook (a PDF, Moodle's onlinetext.html, an archive:
  archives students upload are never opened, a notebook inside one is not collected) is listed as not
  collected;
- refuses, each in one line of nbgrader's log giving the student (when known), the file, the download
  and the reason, with control characters of student-made names escaped:
  - members that are links, devices, FIFOs or sockets, with an absolute path or a `..`, encrypted, or
    compressed other than stored or deflated (no LMS writes those); names over 1024 characters
    (limits.MAX_MEMBER_PATH); a folder of an unzipped download nested more than 8 deep
    (limits.MAX_DOWNLOAD_DEPTH); a zip that cannot be read, or that lists more than
    `max_download_files` (100 000) entries, whole;
  - a notebook over `max_file_bytes` (20 MiB, the grader's own limit, intake's MAX_FILE);
    all of a student's notebooks when they are more than `max_student_files` (200) or hold more than
    `max_student_bytes` (50 MiB) in all, or would take their download past `max_download_bytes`
    (2 GiB). The sizes are those the zip declares, and reading stops there: a member that inflates
    further fails its CRC check and is refused. Set them as `c.LmsExtractor.max_file_bytes = ...` (they
    are autograder/limits.py's DownloadLimits);
  - a student who already has files in submitted/<student>/<assignment>/ (nbgrader would end the whole
    command there); `nbgrader zip_collect --force` replaces them;
  - a student of whom a notebook cannot be read from the download (a corrupt member): all of that
    student's notebooks are withdrawn, and the other students' are collected.
- leaves nbgrader nothing to stop at: no two files of one student with one name (lms.latest keeps the
  LMS's latest re-upload, or refuses them all when that cannot be told), no timestamps.

Exit code: 1 when something needs the instructor: a file refused (above, or in lms.py), or a student of
the download of whom no notebook is collected (one who uploaded only a PDF or an archive); 0 otherwise.
Files that are simply not notebooks and older re-uploads are listed, and do not change it. The last
line of the log counts each kind.
"""
import dataclasses
import os
import shutil
import stat
import sys
import zipfile
import zlib
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from typing import Callable, Optional

from nbgrader.plugins.zipcollect import ExtractorPlugin
from traitlets import TraitError

from .. import compat
from ..limits import MAX_DOWNLOAD_DEPTH, MAX_MEMBER_PATH, DownloadLimits
from ..sandbox import intake
from . import lms

CHUNK = 1 << 16
COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
UNREADABLE = (OSError, EOFError, zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, ValueError)
LOOSE = "archive/"   # the download made of archive/'s files that are not zips


@dataclass
class Member:
    """A file of a download, not yet read."""
    download: str            # the zip's path under archive/, or LOOSE
    path: str                # its path in the download, `/`-separated, as the LMS named it
    size: int                # bytes, as the download declares them
    open: Callable           # () -> a binary file object


@dataclass
class Skipped:
    """An item not collected, with its reason; `refused` ones set the exit code."""
    download: str
    path: str
    reason: str
    student_id: Optional[str] = None
    refused: bool = True

    def line(self):
        verdict = "refused" if self.refused else "not collected"
        whose = f"student {self.student_id}'s " if self.student_id else ""
        what = f"{whose}{lms.shown(self.path)} in {lms.shown(self.download)}" if self.path \
            else f"the download {lms.shown(self.download)}"
        return lms.printable(f"zip_collect {verdict}: {what}: {self.reason}")


def _mib(n):
    return f"{n / 1024 ** 2:.1f} MiB"


def path_problem(path):
    """Why a member's path is not a plain relative path inside its download, or None."""
    if len(path) > MAX_MEMBER_PATH:
        return f"a name of {len(path)} characters, more than {MAX_MEMBER_PATH}"
    if path.startswith(("/", "\\")) or (len(path) > 1 and path[1] == ":"):
        return "an absolute path"
    parts = path.replace("\\", "/").split("/")
    if ".." in parts:
        return "a path that climbs out of the download (..)"
    if any(p in ("", ".") for p in parts):
        return "not a plain path (an empty or `.` folder)"
    return None


def _member_name(info):
    """The member's name; a name without the zip's UTF-8 flag that is UTF-8 all the same is read as such."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name


def _open_plain(path):
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(f"{path} is no longer a regular file")
    return os.fdopen(fd, "rb")


class LmsExtractor(ExtractorPlugin, DownloadLimits):
    """nbgrader zip_collect's extractor for Canvas and Moodle downloads (see the module's docstring); its
    limits (max_file_bytes, max_student_files, max_student_bytes, max_download_files, max_download_bytes)
    are DownloadLimits' (autograder/limits.py), set as c.LmsExtractor.max_file_bytes = ..."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.collected = {}          # absolute path written -> {"student_id", "file_id"}, for LmsCollector
        self.skipped = []            # Skipped
        self.students = set()        # every student a file of the downloads was read as
        self._used = {}              # download -> bytes written from it
        self._report_after_collecting()

    # -- nbgrader's entry point ----------------------------------------------------------------------

    def extract(self, archive_path, extracted_path):
        with ExitStack() as open_zips:
            uploads = {}                                       # student -> [(Reading, Member)]
            for download, members in self._downloads(archive_path, open_zips):
                self._read(download, members, uploads)
            for student in sorted(uploads):
                self._write(student, uploads[student], extracted_path)

    # -- the downloads ---------------------------------------------------------------------------------

    def _skip(self, item):
        self.skipped.append(item)
        self.log.warning(item.line())

    def _downloads(self, archive_path, open_zips):
        """[(download, [Member])]: each zip under archive_path, then its other files as one more."""
        files = []
        self._walk(archive_path, "", 0, files)
        # In a download unzipped into archive/, a zip named as the LMS names a submitted file is a student's
        # upload: a file of that download, never opened (its members could be named as anybody's).
        form, _ = lms.which_lms([m.path for m in files])
        zips, loose = [], []
        for m in files:
            download = m.path.lower().endswith(".zip") and not (form and lms.readings(m.path, form))
            (zips if download else loose).append(m)
        out = []
        for m in zips:
            members = self._zip_members(os.path.join(archive_path, m.path), m.path, open_zips)
            if members is not None:
                out.append((m.path, members))
        if len(loose) > self.max_download_files:
            self._skip(Skipped(LOOSE, "", f"{len(loose)} files, more than the {self.max_download_files} a download "
                                          "may hold (LmsExtractor.max_download_files); none of them is collected"))
        elif loose:
            out.append((LOOSE, loose))
        return out

    def _walk(self, root, rel, depth, files):
        with os.scandir(os.path.join(root, rel) if rel else root) as it:
            entries = sorted(it, key=lambda e: e.name)
        for entry in entries:
            sub = f"{rel}/{entry.name}" if rel else entry.name
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISDIR(st.st_mode):
                if depth >= MAX_DOWNLOAD_DEPTH:
                    self._skip(Skipped(LOOSE, sub + "/", f"folders nested more than {MAX_DOWNLOAD_DEPTH} deep"))
                else:
                    self._walk(root, sub, depth + 1, files)
            elif not stat.S_ISREG(st.st_mode):
                self._skip(Skipped(LOOSE, sub, f"{intake.kind(st.st_mode)}, not a file"))
            else:
                files.append(Member(LOOSE, sub, st.st_size, partial(_open_plain, entry.path)))

    def _zip_members(self, path, download, open_zips):
        """The zip's Members, its refused entries reported; None (reported) when it is refused whole."""
        try:
            with open(path, "rb") as f:
                entries = compat.zip_entry_count(f)       # read before the entries themselves
            if entries <= self.max_download_files:
                zf = open_zips.enter_context(zipfile.ZipFile(path))
                infos = zf.infolist()
                entries = len(infos)
        except UNREADABLE as e:
            self._skip(Skipped(download, "", f"not a readable zip ({type(e).__name__}: {e}); none of it is collected"))
            return None
        if entries > self.max_download_files:
            self._skip(Skipped(download, "", f"{entries} entries, more than the {self.max_download_files} a download "
                                             "may hold (LmsExtractor.max_download_files); none of it is collected"))
            return None
        members = []
        for info in infos:
            name = _member_name(info)
            mode = info.external_attr >> 16
            if name.endswith("/") or stat.S_ISDIR(mode):
                continue                                     # a folder: nothing to write
            problem = path_problem(name)
            if problem is None and stat.S_IFMT(mode) and not stat.S_ISREG(mode):
                problem = f"{intake.kind(mode)}, not a file"
            if problem is None and info.flag_bits & 0x1:
                problem = "an encrypted member"
            if problem is None and info.compress_type not in COMPRESSIONS:
                problem = f"compressed with method {info.compress_type}, which no LMS writes"
            if problem:
                self._skip(Skipped(download, name, problem))
            else:
                members.append(Member(download, name, info.file_size, partial(zf.open, info)))
        return members

    def _valid_ext(self):
        try:
            collector = self.parent.collector_plugin_inst
        except (AttributeError, TraitError):
            collector = None
        return list(getattr(collector, "valid_ext", None) or [".ipynb"])

    def _read(self, download, members, uploads):
        """Each member's student and file name (lms.py), the LMS decided once for the whole download."""
        valid = self._valid_ext()
        def not_notebook_of(path):
            archive = path.lower().endswith((".zip", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".7z", ".rar"))
            return (f"not a notebook (only {', '.join(valid)} files are collected"
                    + ("; an archive a student uploaded is not opened)" if archive else ")"))
        form, why = lms.which_lms([m.path for m in members])
        for m in members:
            notebook = os.path.splitext(m.path.rsplit("/", 1)[-1])[1] in valid
            if form is None:
                self._skip(Skipped(download, m.path, why if notebook else not_notebook_of(m.path), refused=notebook))
                continue
            try:
                r = lms.read_name(m.path, form)
            except lms.Unreadable as e:
                if e.student_id:
                    self.students.add(e.student_id)
                self._skip(Skipped(download, m.path, e.reason if notebook else not_notebook_of(m.path), e.student_id,
                                   refused=notebook))
                continue
            self.students.add(r.student_id)
            if not notebook:
                self._skip(Skipped(download, m.path, not_notebook_of(m.path), r.student_id, refused=False))
            else:
                uploads.setdefault(r.student_id, []).append((r, m))

    # -- one student ---------------------------------------------------------------------------------

    def _refuse(self, student, uploads, reason):
        for _, m in uploads:
            self._skip(Skipped(m.download, m.path, reason, student))

    def _as_graded(self, student, fits):
        """The student's notebooks with the one nbgrader grades named as it needs (X.ipynb for assignment X):
        when none is, and exactly one is named like it (Colab's `Copy of X.ipynb`, `X (1).ipynb`: intake's
        named_like), that one is collected as X.ipynb, and the log says so; notebooks beside X.ipynb that are
        named like it too are collected as they are, and the log says they are not graded."""
        assignment = getattr(getattr(self.parent, "coursedir", None), "assignment_id", "")
        if not assignment:
            return fits
        want = f"{assignment}.ipynb"
        names = [r.file for r, _ in fits]
        like = [n for n in names if n != want and intake.named_like(n, assignment)]
        if want in names:
            for n in like:
                self.log.warning(lms.printable(f"zip_collect: student {student} also handed in {lms.shown(n)}; only "
                                               f"{want} is graded"))
            return fits
        if len(like) != 1:
            if like:
                self.log.warning(lms.printable(f"zip_collect: student {student}: several notebooks could be {want} "
                                               f"({', '.join(lms.shown(n) for n in like)}): none is graded until one "
                                               f"is named {want}"))
            return fits
        self.log.warning(lms.printable(f"zip_collect: student {student}'s {lms.shown(like[0])} collected as {want}"))
        return [(dataclasses.replace(r, file=want) if r.file == like[0] else r, m) for r, m in fits]

    def _submitted(self, student):
        coursedir = getattr(self.parent, "coursedir", None)
        if coursedir is None:
            return None
        return coursedir.format_path(coursedir.submitted_directory, student, coursedir.assignment_id)

    def _write(self, student, uploads, extracted_path):
        """The student's notebooks into extracted_path/<student>/, all or (refused) none."""
        submitted = self._submitted(student)
        if not self.force and submitted and os.path.isdir(submitted) and os.listdir(submitted):
            return self._refuse(student, uploads, f"already collected in {os.path.relpath(submitted)}; "
                                                  "`nbgrader zip_collect --force` replaces it")
        by_name = {}
        for r, m in uploads:
            by_name.setdefault(r.file, []).append((r, m))
        chosen = []
        for name in sorted(by_name):
            kept, others = lms.latest(by_name[name])
            for r, m, reason, refused in others:
                self._skip(Skipped(m.download, m.path, reason, student, refused))
            if kept:
                chosen.append(kept)
        fits = []
        for r, m in chosen:
            if m.size > self.max_file_bytes:
                self._skip(Skipped(m.download, m.path, f"{_mib(m.size)}, more than the {_mib(self.max_file_bytes)} "
                                                       "a notebook may have (LmsExtractor.max_file_bytes)", student))
            else:
                fits.append((r, m))
        total = sum(m.size for _, m in fits)
        need = {}
        for _, m in fits:
            need[m.download] = need.get(m.download, 0) + m.size
        if len(fits) > self.max_student_files:
            return self._refuse(student, fits, f"one of the student's {len(fits)} notebooks, more than "
                                               f"{self.max_student_files} (LmsExtractor.max_student_files)")
        if total > self.max_student_bytes:
            return self._refuse(student, fits, f"the student's notebooks hold {_mib(total)}, more than the "
                                               f"{_mib(self.max_student_bytes)} allowed in all "
                                               "(LmsExtractor.max_student_bytes)")
        full = [d for d, n in need.items() if self._used.get(d, 0) + n > self.max_download_bytes]
        if full:
            return self._refuse(student, fits, f"the download has {_mib(self.max_download_bytes)} written from it "
                                               "already (LmsExtractor.max_download_bytes)")
        if not fits:
            return
        fits = self._as_graded(student, fits)
        folder = os.path.join(extracted_path, student)
        written, current = [], None
        try:
            os.mkdir(folder)
            for r, m in fits:
                current = m
                dest = os.path.join(folder, r.file)
                _copy(m, dest)
                written.append((dest, r))
        except UNREADABLE as e:
            shutil.rmtree(folder, ignore_errors=True)
            for _, m in fits:
                reason = (f"could not be read from the download ({type(e).__name__}: {e})" if m is current else
                          f"withdrawn with the student's {lms.shown(current.path) if current else 'folder'}, which "
                          "could not be read")
                self._skip(Skipped(m.download, m.path, reason + "; none of the student's notebooks is collected",
                                   student))
            return
        for d, n in need.items():
            self._used[d] = self._used.get(d, 0) + n
        for dest, r in written:
            self.collected[os.path.normpath(os.path.abspath(dest))] = {"student_id": student, "file_id": r.file}
            self.log.info(lms.printable(f"zip_collect: student {student}'s {lms.shown(r.file)}"))

    # -- the end -------------------------------------------------------------------------------------------

    def report(self):
        """The last line of the log; 1 when something needs the instructor (see the module's docstring), else 0."""
        got = {info["student_id"] for info in self.collected.values()}
        refused = sum(1 for s in self.skipped if s.refused)
        listed = len(self.skipped) - refused
        missing = sorted(self.students - got)
        line = (f"zip_collect: {len(self.collected)} notebook(s) of {len(got)} student(s) collected; {refused} "
                f"item(s) refused, {listed} not collected (not notebooks, older re-uploads)")
        if missing:
            line += f"; no notebook collected of student(s) {', '.join(missing)}"
        if refused or missing:
            self.log.warning(line + " (exit code 1; each is named above)")
            return 1
        self.log.info(line)
        return 0

    def _report_after_collecting(self):
        """report() once nbgrader has handed the files over (its last step), and exit with its code."""
        def report_and_exit():
            if self.report():
                sys.exit(1)
        compat.after_zip_collect(self.parent, report_and_exit)


def _copy(member, dest):
    """member's bytes into the new file dest (never an existing file or a link), at most member.size of them."""
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    n = 0
    with os.fdopen(fd, "wb") as out, member.open() as src:
        while True:
            chunk = src.read(CHUNK)
            if not chunk:
                break
            n += len(chunk)
            if n > member.size:
                raise ValueError(f"it holds more than the {member.size} bytes it declares")
            out.write(chunk)
    if n != member.size:
        raise ValueError(f"it holds {n} bytes, not the {member.size} it declares")
