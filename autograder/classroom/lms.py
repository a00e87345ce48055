"""Runs in `nbgrader zip_collect` (its collector) and in `python -m autograder export` (Canvas, Moodle).

Learning-management systems: their submission downloads in, their grade imports out.

In: `nbgrader zip_collect ASSIGNMENT` with the course's config (autograder/nbgrader_config.py) reads
the zip an LMS gives for "download all submissions", put in downloaded/ASSIGNMENT/archive/ (or its
files, unzipped, in that folder). The course's extractor (autograder/classroom/unpack.py) reads each
download as data and decides every file there, before nbgrader sees any: this module reads the names.
What a student can choose (the uploaded file's name, and in both LMSs the display name) is never taken
for an identity: the student id is read only from the prefix the LMS itself puts on every file.

Which LMS made a download is decided once for the whole download (every file of one zip comes from one
LMS): the form below that the most of its files match; a download whose files match two forms equally
often, or none, is refused whole, with that reason. The forms, from the LMSs' own code (Canvas:
lib/content_zipper.rb; Moodle: mod/assign/classes/downloader.php):

- Canvas: `<name>_<user id>_<attachment id>_<file>`, `<name>_LATE_<user id>_...` when late. The name
  is the student's sortable name, lowercased, with everything but letters, digits and `_` removed
  (`o_brienpat`, `núñezjosé`; it may be empty, and a student may be able to edit it). The student id is
  Canvas's user id (the `ID` column of Canvas's gradebook). With anonymous grading:
  `anon_<anonymous id>_<attachment id>_<file>` (`LATE_anon_...`); the student id is then
  `anon_<anonymous id>`. Canvas puts no folders in its download. A file uploaded again under the same
  name is renamed by Canvas with a re-upload number, `<stem>-1.<ext>`, `<stem>-2.<ext>`: the file is
  collected without it, and of several that end up with one name the highest number is kept.
- Moodle: `<Full Name>_<participant id>_assignsubmission_<plugin>_<file>` (plugin `file`,
  `onlinetext`, ...), or with "download submissions in folders" (Moodle's default) a folder
  `<Full Name>_<participant id>_assignsubmission_<plugin>` holding the files (Moodle 3.x writes the
  folder with a trailing `_`; both are read). Full names may hold spaces and any letters (Moodle turns
  `_` into spaces); with blind marking the name is `Participant`. The student id is the participant id
  (the `Identifier` of Moodle's grading worksheet: it is per assignment in Moodle, so keep one Moodle
  assignment per notebook; with team submissions it is the group's id). Moodle renames nothing.

Ids are ASCII digits without a leading zero, as both LMSs write them. A name is read in every way its
LMS's form allows. Refused, each in one line of nbgrader's log with its reason (student-made names
shown with control characters escaped), and never guessed:
- a name that reads in more than one way: a student's name or uploaded file name that holds what looks
  like the LMS's prefix (`x_333_44444_kernel.ipynb` uploaded to Canvas also reads as user 333's
  `kernel.ipynb`; a Moodle full name or file name holding `_333_assignsubmission_file_`) leaves where the
  prefix ends undecidable, and the file is filed under nobody (only the file is refused when every
  reading names the same student). A name that reads one way only is filed under that one: the uploader
  (`x_333_assignsubmission_file_kernel.ipynb` uploaded to Canvas is the uploader's, under that name);
- a name no form of the download's LMS reads (no student is credited with it);
- a file name that is not a plain base name once the prefix (and Canvas's re-upload number) is taken
  off: empty, `.`/`..`, hidden (leading `.`), a path (a `/` or `\\`, a file in a subfolder of a Moodle
  submission), control characters (also line separators and bidirectional overrides), more than
  255 bytes;
- several files of one student that end up with one name and the same re-upload number (two downloads
  holding the same file, or two uploads of one name): the LMS does not say which is the latest, so none
  of them is collected.

The file is collected as submitted/<student id>/<assignment>/<file>. What the extractor refuses besides
(links and special files, paths outside the download, archives beyond their bounds, files a student
uploaded that are not notebooks) is in unpack.py's docstring.

Out: `python -m autograder export canvas` (or `moodle`): nbgrader's own export with the plugin
CanvasExport (MoodleExport), from nbgrader's gradebook, written through autograder/classroom/spreadsheet.py
(a cell that starts like a spreadsheet formula is written as text):

- Canvas gradebook CSV (`canvas-grades.csv`; Canvas: Grades > Import). Columns: `Student` (last,
  first, or the id), `ID` (nbgrader's student id = Canvas user id), `SIS User ID`, `SIS Login ID`,
  `Section` (empty: Canvas matches on ID), then one column per notebook named like the notebook, with
  the score (extra credit included, late penalty taken off); a second row `Points Possible` gives
  each notebook's maximum. A submission that could not be graded has an empty cell (Canvas leaves
  the grade as it was), one never submitted too.
- Moodle grading worksheet, one per notebook (`moodle-<assignment>.csv`; Moodle: the assignment's
  "Upload grading worksheet"). Columns: `Identifier` (`Participant <student id>`), `Full name`,
  `Email address`, `Status`, `Grade`, `Maximum Grade`. Empty `Grade` as for Canvas.
"""
import os
import re
import sys
import unicodedata
from dataclasses import dataclass

from nbgrader.api import MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.plugins.export import ExportPlugin
from nbgrader.plugins.zipcollect import FileNameCollectorPlugin
from traitlets import TraitError

from ..limits import MAX_NAME_BYTES
from . import spreadsheet
from .export import CsvExport, LeftOut

CANVAS, CANVAS_ANONYMOUS, MOODLE = "Canvas", "Canvas (anonymous grading)", "Moodle"
LMS_FORMS = (CANVAS, CANVAS_ANONYMOUS, MOODLE)

ID = r"[1-9][0-9]*"        # ASCII digits only: `\d` would take any script's digits for an id
# What follows `<name>_` (Canvas) or `<Full Name>_` (Moodle); the name may hold `_`, so every `_` is tried.
CANVAS_REST = re.compile(rf"(?:LATE_)?(?P<id>{ID})_(?P<attachment>{ID})_(?P<file>.+)", re.S)
CANVAS_ANON = re.compile(rf"(?:LATE_)?anon_(?P<id>[A-Za-z0-9]+)_(?P<attachment>{ID})_(?P<file>.+)", re.S)
MOODLE_REST = re.compile(rf"(?P<id>{ID})_assignsubmission_(?P<plugin>[a-z0-9]+)_(?P<file>.+)", re.S)
MOODLE_FOLDER = re.compile(rf"(?P<name>.*)_(?P<id>{ID})_assignsubmission_(?P<plugin>[a-z0-9]+)_?", re.S)
REUPLOAD = re.compile(r"(?P<stem>.+)-(?P<n>[1-9][0-9]*)(?P<ext>\.[^.]*)?", re.S)   # Canvas's `-N` before the extension
# Characters that reorder how a line is shown (bidirectional controls): refused in file names, escaped in logs.
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass(frozen=True)
class Reading:
    """One way to read a file's name in an LMS download."""
    student_id: str
    uploaded: str       # the file's name after the LMS's prefix, as the download has it
    file: str           # the name it is collected as: `uploaded` without Canvas's re-upload number
    upload: int         # Canvas's re-upload number (`-2` -> 2), 0 when there is none


class Unreadable(Exception):
    """A name that gives no student, or more than one reading, or no plain file name. `student_id` is set
    when the student is certain (every reading names the same one) and only the file is refused."""

    def __init__(self, reason, student_id=None):
        super().__init__(reason)
        self.reason, self.student_id = reason, student_id


def _unsafe(ch):
    return unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") or ch in BIDI


def _escape(ch):
    o = ord(ch)
    return f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}" if o < 0x10000 else f"\\U{o:08x}"


def printable(text):
    """`text` with every control, format, unassigned or separator character escaped (`\\x1b`, `\\u202e`): a
    log line that a student-made name can neither colour, clear, reorder nor break into two."""
    return "".join(_escape(ch) if unicodedata.category(ch)[0] == "C" or _unsafe(ch) else ch for ch in str(text))


def shown(name):
    """A student-made name for a log line: in double quotes, `"` and `\\` escaped, then printable()."""
    return '"' + printable(str(name).replace("\\", "\\\\").replace('"', '\\"')) + '"'


def _split(text, rest):
    """Every match of `rest` over what follows an `_` of `text` (the name before it may hold `_` too)."""
    for i, ch in enumerate(text):
        if ch == "_":
            m = rest.fullmatch(text, i + 1)
            if m:
                yield m


def _without_reupload(uploaded):
    m = REUPLOAD.fullmatch(uploaded)
    return (m["stem"] + (m["ext"] or ""), int(m["n"])) if m else (uploaded, 0)


def readings(path, lms):
    """Every distinct Reading of `path` (a file's path in a download, `/`-separated) in `lms`'s form."""
    parts = path.split("/")
    found = []
    if lms in (CANVAS, CANVAS_ANONYMOUS) and len(parts) == 1:      # Canvas's download has no folders
        if lms == CANVAS:
            found = [(m["id"], m["file"]) for m in _split(path, CANVAS_REST)]
        else:
            m = CANVAS_ANON.fullmatch(path)
            found = [("anon_" + m["id"], m["file"])] if m else []
        found = [(student, uploaded, *_without_reupload(uploaded)) for student, uploaded in found]
    elif lms == MOODLE and len(parts) == 1:
        found = [(m["id"], m["file"], m["file"], 0) for m in _split(path, MOODLE_REST)]
    elif lms == MOODLE:                                             # "download submissions in folders"
        m = MOODLE_FOLDER.fullmatch(parts[0])
        rest = "/".join(parts[1:])
        found = [(m["id"], rest, rest, 0)] if m else []
    out = []
    for f in found:
        if Reading(*f) not in out:
            out.append(Reading(*f))
    return out


def which_lms(paths):
    """(the LMS whose form the most of `paths` match, None) or (None, why no single one does): every file
    of one download comes from one LMS, so this is decided for the download, never file by file."""
    counts = {lms: sum(1 for p in paths if readings(p, lms)) for lms in LMS_FORMS}
    best = max(counts.values(), default=0)
    if best == 0:
        return None, "no name of this download is written as Canvas or Moodle write theirs"
    top = [lms for lms in LMS_FORMS if counts[lms] == best]
    if len(top) > 1:
        return None, (f"{best} of its names read as {' and as '.join(top)} alike: which LMS made the download "
                      "cannot be told, so none of it is collected")
    return top[0], None


def file_name_problem(name):
    """Why `name` is not a plain base name to collect a file as, or None."""
    if not name:
        return "an empty file name"
    if name in (".", ".."):
        return f"the file name {shown(name)}"
    if "/" in name:
        return "a file in a subfolder of the submission (only files at its top are collected)"
    if "\\" in name or "\0" in name:
        return "a file name that is a path (it holds a \\ or a NUL)"
    if name.startswith("."):
        return "a hidden file name (it starts with a dot)"
    if any(_unsafe(ch) for ch in name):
        return "control characters in the file name (or line separators, bidirectional overrides)"
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        return f"a file name of more than {MAX_NAME_BYTES} bytes"
    return None


PREFIXES = {CANVAS: "`<name>_<user id>_<attachment id>_`", CANVAS_ANONYMOUS: "`anon_<id>_<attachment id>_`",
            MOODLE: "`<Full Name>_<participant id>_assignsubmission_<plugin>_` (file or folder)"}


def read_name(path, lms):
    """The one Reading of `path` in `lms`'s download, or Unreadable with the reason."""
    found = readings(path, lms)
    if not found:
        raise Unreadable(f"not named as {lms} names a submitted file: no {PREFIXES[lms]} prefix")
    students = {r.student_id for r in found}
    only = students.pop() if len(students) == 1 else None
    if len(found) > 1:
        ways = " or as ".join(f"student {r.student_id}'s {shown(r.uploaded)}" for r in found)
        raise Unreadable(f"the name reads as {ways}: where {lms}'s prefix ends cannot be told (the uploaded name "
                         "or the student's name holds the pattern of a prefix), so it is filed under nobody", only)
    r = found[0]
    problem = file_name_problem(r.file) or (r.uploaded != r.file and file_name_problem(r.uploaded))
    if problem:
        raise Unreadable(problem, r.student_id)
    return r


def latest(uploads):
    """Of one student's uploads that end up with one file name, [(Reading, x)], the LMS's latest:
    (the (Reading, x) kept or None, [(Reading, x, reason, refused)] of the others). The highest re-upload
    number is the latest; when several share it, nothing says which is, and all are refused."""
    top = max(r.upload for r, _ in uploads)
    best = [u for u in uploads if u[0].upload == top]
    file = uploads[0][0].file
    if len(best) > 1:
        number = f"re-upload number {top}" if top else "no re-upload number"
        reason = (f"{len(uploads)} files of the student become {shown(file)}, {len(best)} of them with {number}: "
                  "which is the LMS's latest cannot be told, so none of them is collected")
        return None, [(r, x, reason, True) for r, x in uploads]
    kept = best[0]
    reason = (f"an older upload of {shown(file)}: the LMS's latest, {shown(kept[0].uploaded)} (re-upload "
              f"{top}), is collected")
    return kept, [(r, x, reason, False) for r, x in (u for u in uploads if u is not kept)]


class LmsCollector(FileNameCollectorPlugin):
    """nbgrader zip_collect's collector: each file's student and name as the course's extractor
    (autograder/classroom/unpack.py, LmsExtractor) decided them when it wrote the file. Without that
    extractor nothing is collected: it alone reads the downloads' names (see above)."""

    def collect(self, submitted_file):
        try:
            extractor = self.parent.extractor_plugin_inst
        except (AttributeError, TraitError):        # not a ZipCollectApp's, or none set yet
            extractor = None
        decided = getattr(extractor, "collected", None)
        if decided is None:
            self.log.error("zip_collect: this collector takes the files the course's extractor decided; set "
                           "c.ZipCollectApp.extractor_plugin = 'autograder.classroom.unpack.LmsExtractor' "
                           "(autograder/nbgrader_config.py does). Nothing collected.")
            sys.exit(1)
        info = decided.get(os.path.normpath(os.path.abspath(submitted_file)))
        if info is None:
            self.log.warning(printable(f"refused: {shown(submitted_file)} was not written by the course's "
                                       "extractor in this run"))
            return None
        return dict(info)


def _score(gradebook, coursedir, assignment, student):
    """(score or "" when not graded or not submitted, status) as in autograder/classroom/export.py."""
    row = CsvExport.row(gradebook, coursedir, assignment, student)
    return ("" if row["status"] != "graded" else round(float(row["score"]), 4)), row["status"]


def _handed_in(gradebook, assignment):
    """Whether somebody handed `assignment` in (also when a submission's row cannot be read: its row is then
    left out of the worksheet, with its reason)."""
    try:
        return bool(assignment.submissions)
    except Exception:
        gradebook.db.rollback()
        return True


class CanvasExport(ExportPlugin):
    """Canvas gradebook CSV (see the module's docstring)."""

    def export(self, gradebook):
        dest = self.to or "canvas-grades.csv"
        coursedir = CourseDirectory(config=self.config)
        wanted = [str(a) for a in self.assignment]
        assignments = [a for a in gradebook.assignments if not wanted or a.name in wanted]
        with open(dest, "w", newline="") as f:
            out = spreadsheet.writer(f)
            out.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *(a.name for a in assignments)])
            out.writerow(["    Points Possible", "", "", "", "", *(f"{a.max_score:g}" for a in assignments)])
            left_out = LeftOut(self.log, dest, gradebook)
            for student in gradebook.students:
                if self.student and student.id not in [str(s) for s in self.student]:
                    continue
                with left_out.row(student.id):
                    name = ", ".join(n for n in (student.last_name, student.first_name) if n) or student.id
                    out.writerow([name, student.id, "", "", "",
                                  *(_score(gradebook, coursedir, a, student)[0] for a in assignments)])
        self.log.info("Exported Canvas grades to %s", dest)
        left_out.finish()


class MoodleExport(ExportPlugin):
    """Moodle grading worksheets, one per assignment (see the module's docstring)."""

    def export(self, gradebook):
        coursedir = CourseDirectory(config=self.config)
        folder = self.to or "."
        wanted = [str(a) for a in self.assignment]
        left_out = LeftOut(self.log, "moodle-*.csv", gradebook)
        for assignment in gradebook.assignments:
            if (wanted and assignment.name not in wanted) or not (wanted or _handed_in(gradebook, assignment)):
                continue            # by default, the notebooks somebody handed in
            dest = os.path.join(folder, f"moodle-{assignment.name}.csv")
            with open(dest, "w", newline="") as f:
                out = spreadsheet.writer(f)
                out.writerow(["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade"])
                for student in gradebook.students:
                    with left_out.row(f"{assignment.name}/{student.id}"):
                        try:
                            gradebook.find_submission(assignment.name, student.id)
                        except MissingEntry:
                            continue            # not a participant of this Moodle assignment
                        score, status = _score(gradebook, coursedir, assignment, student)
                        name = " ".join(n for n in (student.first_name, student.last_name) if n)
                        out.writerow([f"Participant {student.id}", name, student.email or "", status, score,
                                      f"{assignment.max_score:g}"])
            self.log.info("Exported Moodle grading worksheet to %s", dest)
        left_out.finish()


EXPORTERS = {"csv": "autograder.classroom.export.CsvExport", "canvas": "autograder.classroom.lms.CanvasExport",
             "moodle": "autograder.classroom.lms.MoodleExport"}


def main(argv=None):
    """`python -m autograder export canvas|moodle|csv [nbgrader export options]`: nbgrader's own export
    with one of these plugins. (`nbgrader export --exporter=...` reads its options before the course's
    config puts this repository on Python's path, so it cannot find them.)"""
    import sys
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in EXPORTERS:
        print(f"usage: python -m autograder export {{{','.join(EXPORTERS)}}} [nbgrader export options]",
              file=sys.stderr)
        return 2
    from nbgrader.apps.exportapp import ExportApp
    app = ExportApp()
    app.initialize([f"--exporter={EXPORTERS[argv[0]]}", *argv[1:]])
    app.start()
    return 0
