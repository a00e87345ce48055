"""Runs in `nbgrader zip_collect` (its collector) and in `nbgrader export` or `python -m autograder export`.

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

- Canvas: `<name>_<user id>_<attachment id>_<file>`, `<name>_LATE_<user id>_...` when late
  (ContentZipper#get_filename). The name is the student's sortable name, lowercased, with everything but
  letters, digits and `_` removed (`o_brienpat`, `núñezjosé`; it may be empty, and a student may be able
  to edit it; Canvas's sanitize_user_name turns `_<digits>_` in it into `<digits>`). The student id is
  Canvas's user id (the `ID` column of Canvas's gradebook). With anonymous grading there is no name:
  `anon_<anonymous id>_<attachment id>_<file>` (`LATE_anon_...`); the student id is then
  `anon_<anonymous id>`. Canvas puts no folders in its download. A file uploaded again under a name the
  student's Submissions folder already holds is renamed by Canvas (Attachment.make_unique_filename,
  app/models/attachment.rb) with `-1` ... `-7` put before its extension (today's Canvas takes every
  extension, `kernel-1.v2.ipynb`, `work-1.tar.gz`; older Canvas the last one, `kernel.v2-1.ipynb`; both
  are read), then `-<random uuid>`: the file is collected without it. Of several files of one student
  that end up with one name, the latest upload is kept: the highest attachment id (Canvas numbers its
  files in upload order), then the highest re-upload number (a uuid counts after `-7`); the same
  attachment in two downloads is collected once.
- Moodle: `<Full Name>_<participant id>_assignsubmission_<plugin>_<file>` (plugin `file`,
  `onlinetext`, ...), or with "download submissions in folders" (Moodle's default) a folder
  `<Full Name>_<participant id>_assignsubmission_<plugin>` holding the files (Moodle 3.x writes the
  folder with a trailing `_`; both are read). Full names may hold spaces and any letters (Moodle turns
  `_` into spaces); with blind marking the name is `Participant`. The student id is the participant id
  (the `Identifier` of Moodle's grading worksheet: it is per assignment in Moodle, so keep one Moodle
  assignment per notebook). With team submissions the name is the group's and the id the group's id
  (`<Group name>_<group id>_assignsubmission_...`; a student in no group is `Default group_...`, with no
  id, and is refused). Moodle renames nothing.

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
- several files of one student that end up with one name when nothing tells which is the latest (a Moodle
  student's file in two downloads: Moodle numbers nothing): none of them is collected.

The file is collected as submitted/<student id>/<assignment>/<file>. What the extractor refuses besides
(links and special files, paths outside the download, archives beyond their bounds, files a student
uploaded that are not notebooks) is in unpack.py's docstring.

Out: nbgrader export plugins, CanvasExport and MoodleExport: `nbgrader export
--exporter=autograder.classroom.lms.CanvasExport` (or `c.ExportApp.plugin_class = ...` in the course
root's nbgrader_config.py), or the shortcut `python -m autograder export canvas` (or `moodle`, `csv`),
which takes `--db-url URL` as the grade, gradebook and report commands do (nbgrader's
`--CourseDirectory.db_url`). They read nbgrader's gradebook (the --db-url one, else the course root's) and
write through autograder/classroom/spreadsheet.py (a cell that starts like a spreadsheet formula is
written as text). Scores: extra credit included, late penalty taken off; a submission that could not be
graded, or was never submitted, has an empty grade, which both LMSs skip (the grade there stays as it was).

- Canvas gradebook CSV (`canvas-grades.csv`; Canvas: Grades > Import), as Canvas's importer reads one
  (lib/gradebook_importer.rb: a header row whose first cells hold `Student` and `ID` and whose student
  columns end with `Section`; a row whose first cell holds `Points Possible`; a column is matched to the
  assignment titled exactly like its header, else Canvas offers to create a new assignment; a student is
  matched by the `ID` column, Canvas's user id, else by SIS ids, else by name). Columns: `Student`
  (last, first, or the id), `ID` (nbgrader's student id = Canvas user id), `SIS User ID`, `SIS Login ID`,
  `Section` (empty), then one column per notebook, its header the notebook's id: name the Canvas
  assignment exactly so. `Points Possible` gives each notebook's maximum. Canvas takes a score above the
  points possible (extra credit), so 07's bonus goes in whole (13 of 12). Ids that are not Canvas user ids
  (anonymous grading's `anon_...`, exchange user names) are named in one warning line: Canvas cannot
  match those rows by ID.
- Moodle grading worksheet, one per notebook (`moodle-<assignment>.csv`; Moodle: the assignment's
  "Upload grading worksheet"), as Moodle's importer reads one (mod/assign/feedback/offline:
  importgradeslib.php finds the columns `Identifier`, `Grade` and `Last modified (grade)`, in English, by
  their exact names and refuses a file without all three; it reads the participant id after `Participant `;
  locallib.php's process_import_grades skips, without a word, an empty or negative grade, a grade above
  the assignment's maximum, and one whose Moodle grade changed more than a minute after `Last modified
  (grade)`, unless "Allow updating records that have been modified more recently in Moodle" is ticked).
  Columns: `Identifier` (`Participant <student id>`), `Full name`, `Email address`, `Status`, `Grade`
  (at most the notebook's maximum), `Maximum Grade` (set the Moodle assignment's maximum grade to it),
  `Last modified (grade)` (the time of the export, ISO 8601, UTC), and `Extra credit above maximum (not
  imported)`: what a score has above the maximum (07's bonus: 13 of 12 is written as Grade 12 and 1
  here), which Moodle ignores; the clamped rows are counted in one warning line. Ids that are not
  Moodle participant ids (digits) are named in one warning line: Moodle skips those rows. Moodle reads
  the three column names and `Participant ` in the language of the page the file is uploaded on (its
  strings recordid, grade, lastmodifiedgrade, hiddenuser): upload in English, or set
  `c.MoodleExport.strings` to that language's.
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
from traitlets import Dict, TraitError

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
# Canvas's re-upload suffix, `-N` or `-<uuid>` (SecureRandom.uuid) put before the extension, and what follows it
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
REUPLOAD = re.compile(rf"(?:(?P<uuid>{UUID})|(?P<n>[1-9][0-9]*))(?P<ext>(?:\..*)?)", re.S)
UUID_UPLOAD = 8            # Canvas writes `-<uuid>` once `-1` ... `-7` are taken
# Today's Canvas's extension of a name (make_unique_filename): every `.word` at its end, `.tar.gz`, `.v2.ipynb`
CANVAS_EXT = re.compile(r"(?:\.[A-Za-z][A-Za-z0-9]*)*\.[A-Za-z0-9]*\Z")
# Characters that reorder how a line is shown (bidirectional controls): refused in file names, escaped in logs.
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass(frozen=True)
class Reading:
    """One way to read a file's name in an LMS download."""
    student_id: str
    uploaded: str       # the file's name after the LMS's prefix, as the download has it
    file: str           # the name it is collected as: `uploaded` without Canvas's re-upload number
    upload: int         # Canvas's re-upload number (`-2` -> 2, `-<uuid>` -> 8), 0 when there is none
    attachment: int = 0     # Canvas's attachment id (its files' upload order), 0 for Moodle


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


def _canvas_extensions(name):
    """The extension of `name` as today's Canvas takes it (every `.word` at its end) and as older Canvas took
    it (Ruby's File.extname: the last one)."""
    m = CANVAS_EXT.search(name)
    return {m.group(0) if m else "", os.path.splitext(name)[1]}


def _without_reupload(uploaded):
    """(the name Canvas renamed to `uploaded`, its re-upload number), or (uploaded, 0) when it holds none: the
    rightmost `-N` or `-<uuid>` that stands right before the name's extension as Canvas takes it."""
    for i in range(len(uploaded) - 1, 0, -1):
        if uploaded[i] != "-":
            continue
        m = REUPLOAD.fullmatch(uploaded, i + 1)
        if m and m["ext"] in _canvas_extensions(uploaded[:i] + m["ext"]):
            return uploaded[:i] + m["ext"], UUID_UPLOAD if m["uuid"] else int(m["n"])
    return uploaded, 0


def readings(path, lms):
    """Every distinct Reading of `path` (a file's path in a download, `/`-separated) in `lms`'s form."""
    parts = path.split("/")
    found = []
    if lms in (CANVAS, CANVAS_ANONYMOUS) and len(parts) == 1:      # Canvas's download has no folders
        if lms == CANVAS:
            found = [(m["id"], m["file"], m["attachment"]) for m in _split(path, CANVAS_REST)]
        else:
            m = CANVAS_ANON.fullmatch(path)
            found = [("anon_" + m["id"], m["file"], m["attachment"])] if m else []
        found = [(student, uploaded, *_without_reupload(uploaded), int(attachment))
                 for student, uploaded, attachment in found]
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
    (the (Reading, x) kept or None, [(Reading, x, reason, refused)] of the others). The latest is the highest
    (Canvas attachment id, re-upload number): Canvas numbers its attachments in upload order. Several with
    the top one are the same Canvas attachment in several downloads (one is kept), or, in a Moodle download
    (no attachment ids; Moodle renames nothing), files nothing orders: all are refused."""
    def order(u):
        return u[0].attachment, u[0].upload
    top = max(order(u) for u in uploads)
    best = [u for u in uploads if order(u) == top]
    file = uploads[0][0].file
    if len(best) > 1 and not top[0]:
        reason = (f"{len(uploads)} files of the student become {shown(file)}, {len(best)} of them alike as far "
                  "as the LMS's names tell: which is the latest cannot be told, so none of them is collected")
        return None, [(r, x, reason, True) for r, x in uploads]
    kept = best[0]
    latest_name = shown(kept[0].uploaded) + (f" (attachment {kept[0].attachment})" if kept[0].attachment else "")
    others = []
    for r, x in (u for u in uploads if u is not kept):
        reason = (f"the same upload of {shown(file)} in another download: it is collected once" if order((r, x)) == top
                  else f"an older upload of {shown(file)}: the LMS's latest, {latest_name}, is collected")
        others.append((r, x, reason, False))
    return kept, others


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
    """(score or None when not graded or not submitted, status) as in autograder/classroom/export.py."""
    row = CsvExport.row(gradebook, coursedir, assignment, student)
    return (None if row["status"] != "graded" else round(float(row["score"]), 4)), row["status"]


def _number(x):
    """A score as both LMSs read it: `12`, `11.5` (no exponent, no trailing zeros), "" for None."""
    return "" if x is None else f"{round(float(x), 4):.4f}".rstrip("0").rstrip(".")


def _handed_in(gradebook, assignment):
    """Whether somebody handed `assignment` in (also when a submission's row cannot be read: its row is then
    left out of the worksheet, with its reason)."""
    try:
        return bool(assignment.submissions)
    except Exception:
        gradebook.db.rollback()
        return True


def _not_lms_ids(log, dest, ids, what, consequence):
    """One warning line naming the student ids that are not `what` (ASCII digits, as the LMS writes them)."""
    odd = sorted({i for i in ids if not re.fullmatch(ID, i)})
    if odd:
        shown_ids = ", ".join(printable(i) for i in odd[:10]) + (f" and {len(odd) - 10} more" if len(odd) > 10 else "")
        log.warning("%s: %d student id(s) are not %s (%s): %s", dest, len(odd), what, shown_ids, consequence)


CANVAS_STUDENT_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


class CanvasExport(ExportPlugin):
    """Canvas gradebook CSV (see the module's docstring)."""

    def export(self, gradebook):
        dest = self.to or "canvas-grades.csv"
        coursedir = CourseDirectory(config=self.config)
        wanted = [str(a) for a in self.assignment]
        assignments = [a for a in gradebook.assignments if not wanted or a.name in wanted]
        ids = []
        with open(dest, "w", newline="") as f:
            out = spreadsheet.writer(f)
            out.writerow([*CANVAS_STUDENT_COLUMNS, *(a.name for a in assignments)])
            out.writerow(["    Points Possible", "", "", "", "", *(_number(a.max_score) for a in assignments)])
            left_out = LeftOut(self.log, dest, gradebook)
            for student in gradebook.students:
                if self.student and student.id not in [str(s) for s in self.student]:
                    continue
                with left_out.row(student.id):
                    name = ", ".join(n for n in (student.last_name, student.first_name) if n) or student.id
                    out.writerow([name, student.id, "", "", "",
                                  *(_number(_score(gradebook, coursedir, a, student)[0]) for a in assignments)])
                    ids.append(student.id)
        self.log.info("Exported Canvas grades to %s", dest)
        _not_lms_ids(self.log, dest, ids, "Canvas user ids", "Canvas matches those rows by the Student name only")
        left_out.finish()


MOODLE_ABOVE_MAXIMUM = "Extra credit above maximum (not imported)"
# Moodle's English strings its importer looks for (lang/en/moodle.php grade, mod/assign/lang/en/assign.php
# recordid, lastmodifiedgrade, hiddenuser): it reads them in the language of the page the file is uploaded on
MOODLE_STRINGS = {"recordid": "Identifier", "grade": "Grade", "lastmodifiedgrade": "Last modified (grade)",
                  "hiddenuser": "Participant "}


class MoodleExport(ExportPlugin):
    """Moodle grading worksheets, one per assignment (see the module's docstring)."""

    strings = Dict(MOODLE_STRINGS, help="Moodle's strings recordid, grade, lastmodifiedgrade and hiddenuser (the "
                   "Identifier's prefix, with its trailing space) in the language the worksheet is uploaded in, "
                   "e.g. {'recordid': 'Identifiant', ...}: Moodle's importer matches them in that language"
                   ).tag(config=True)

    def export(self, gradebook):
        words = dict(MOODLE_STRINGS, **self.strings)
        from datetime import datetime, timezone
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        coursedir = CourseDirectory(config=self.config)
        folder = self.to or "."
        wanted = [str(a) for a in self.assignment]
        left_out = LeftOut(self.log, "moodle-*.csv", gradebook)
        for assignment in gradebook.assignments:
            if (wanted and assignment.name not in wanted) or not (wanted or _handed_in(gradebook, assignment)):
                continue            # by default, the notebooks somebody handed in
            dest = os.path.join(folder, f"moodle-{assignment.name}.csv")
            maximum = round(float(assignment.max_score), 4)
            ids, clamped = [], 0
            with open(dest, "w", newline="") as f:
                out = spreadsheet.writer(f)
                out.writerow([words["recordid"], "Full name", "Email address", "Status", words["grade"],
                              "Maximum Grade", words["lastmodifiedgrade"], MOODLE_ABOVE_MAXIMUM])
                for student in gradebook.students:
                    with left_out.row(f"{assignment.name}/{student.id}"):
                        try:
                            gradebook.find_submission(assignment.name, student.id)
                        except MissingEntry:
                            continue            # not a participant of this Moodle assignment
                        score, status = _score(gradebook, coursedir, assignment, student)
                        above = None
                        if score is not None and score > maximum:
                            score, above, clamped = maximum, round(score - maximum, 4), clamped + 1
                        name = " ".join(n for n in (student.first_name, student.last_name) if n)
                        out.writerow([words["hiddenuser"] + student.id, name, student.email or "", status,
                                      _number(score), _number(maximum), now if score is not None else "",
                                      _number(above)])
                        ids.append(student.id)
            self.log.info("Exported Moodle grading worksheet to %s", dest)
            if clamped:
                self.log.warning("%s: %d grade(s) above the maximum %s written as %s (Moodle skips a grade above "
                                 "the assignment's maximum); the extra is in the column %r, which Moodle does not "
                                 "import", dest, clamped, _number(maximum), _number(maximum), MOODLE_ABOVE_MAXIMUM)
            _not_lms_ids(self.log, dest, ids, "Moodle participant ids", "Moodle skips those rows")
        left_out.finish()


EXPORTERS = {"csv": "autograder.classroom.export.CsvExport", "canvas": "autograder.classroom.lms.CanvasExport",
             "moodle": "autograder.classroom.lms.MoodleExport"}


def _db_url_option(argv):
    """(argv with `--db-url URL` / `--db-url=URL`, the other commands' option, as nbgrader's
    `--CourseDirectory.db_url=URL`, the URL or None)."""
    out, url, i = [], None, 0
    while i < len(argv):
        if argv[i] == "--db-url" and i + 1 < len(argv):
            url, i = argv[i + 1], i + 2
        elif argv[i].startswith("--db-url="):
            url, i = argv[i].split("=", 1)[1], i + 1
        else:
            out, i = [*out, argv[i]], i + 1
    return ([*out, f"--CourseDirectory.db_url={url}"] if url else out), url


def _hidden_password(url):
    try:
        from sqlalchemy.engine import make_url
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(a URL that does not parse)"


def main(argv=None):
    """`python -m autograder export canvas|moodle|csv [--db-url URL] [nbgrader export options]`: nbgrader's
    own export with one of these plugins (the same as `nbgrader export --exporter=...`), from the gradebook
    at URL (default: the course root's, its nbgrader_config.py's c.CourseDirectory.db_url)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in EXPORTERS:
        print(f"usage: python -m autograder export {{{','.join(EXPORTERS)}}} [--db-url URL] "
              "[nbgrader export options]", file=sys.stderr)
        return 2
    rest, url = _db_url_option(argv[1:])
    from nbgrader.apps.exportapp import ExportApp
    app = ExportApp()
    app.initialize([f"--exporter={EXPORTERS[argv[0]]}", *rest])
    if url:
        from .courseroot import course_db_url
        course = course_db_url(app.coursedir.root)
        if course != app.coursedir.db_url:
            app.log.warning("export: reading the gradebook %s (--db-url); formgrader, nbgrader generate_feedback "
                            "and plain nbgrader export read %s (the course root's nbgrader_config.py, "
                            "c.CourseDirectory.db_url): set it there to keep one gradebook for every command",
                            _hidden_password(app.coursedir.db_url), _hidden_password(course))
    app.start()
    return 0
