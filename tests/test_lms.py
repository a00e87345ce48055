"""LMS downloads in (autograder/classroom/lms.py reads the names, autograder/classroom/unpack.py the
zips): identity only from the LMS's own prefix, every form Canvas and Moodle write, hostile downloads and
uploads refused one by one while the rest of the class is collected; real `nbgrader zip_collect` at the end."""
import io
import logging
import shutil
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from autograder.classroom import lms
from autograder.classroom.course import Course
from autograder.classroom.unpack import LmsExtractor
from tests.grading import release

A = "01_channels_kernel"
NB = f"{A}.ipynb"
CANVAS, ANON, MOODLE = lms.CANVAS, lms.CANVAS_ANONYMOUS, lms.MOODLE


# -- names: the right student, in every form the LMSs write -----------------------------------------------

@pytest.mark.parametrize("path, form, student, file, upload", [
    # Canvas: <name>_[LATE_]<user id>_<attachment id>_<display name> (lib/content_zipper.rb)
    (f"smithjane_1001_55501_{NB}", CANVAS, "1001", NB, 0),
    (f"o_brienpat_12349_55502_{NB}", CANVAS, "12349", NB, 0),          # Canvas keeps `_` of names
    (f"doejohn_LATE_1002_55503_{NB}", CANVAS, "1002", NB, 0),
    (f"_1003_55504_{NB}", CANVAS, "1003", NB, 0),                      # a name of no word characters
    (f"núñezjosé_1004_55505_{NB}", CANVAS, "1004", NB, 0),
    (f"smithjane_1001_55506_{A}-1.ipynb", CANVAS, "1001", NB, 1),      # re-uploads: Canvas's -N
    (f"smithjane_LATE_1001_55507_{A}-12.ipynb", CANVAS, "1001", NB, 12),
    ("smithjane_1001_55508_notes 2024-10.txt", CANVAS, "1001", "notes 2024.txt", 10),
    (f"o_brienpat_LATE_12349_55513_{NB}", CANVAS, "12349", NB, 0),
    (f"anon_2gP8M_55509_{NB}", ANON, "anon_2gP8M", NB, 0),               # anonymous grading
    (f"LATE_anon_x7Yq2_55510_{A}-2.ipynb", ANON, "anon_x7Yq2", NB, 2),
    # re-uploads as Attachment.make_unique_filename writes them: -1 ... -7 before every extension (today),
    # before the last one (older Canvas), then -<uuid>
    ("smithjane_1001_55514_kernel-1.v2.ipynb", CANVAS, "1001", "kernel.v2.ipynb", 1),
    ("smithjane_1001_55515_kernel.v2-3.ipynb", CANVAS, "1001", "kernel.v2.ipynb", 3),
    ("smithjane_1001_55516_work-2.tar.gz", CANVAS, "1001", "work.tar.gz", 2),
    (f"smithjane_1001_55517_{A}-0f8fad5b-d9cb-469f-a165-70867728950e.ipynb", CANVAS, "1001", NB, 8),
    (f"anon_2gP8M_55518_{A}-7.ipynb", ANON, "anon_2gP8M", NB, 7),
    ("smithjane_1001_55519_2024-10-05.ipynb", CANVAS, "1001", "2024-10-05.ipynb", 0),   # no -N before the extension
    ("smithjane_1001_55520_v-1.0.ipynb", CANVAS, "1001", "v-1.0.ipynb", 0),
    # Moodle: <Full Name>_<participant id>_assignsubmission_<plugin>_<file>, or the folder of that form
    (f"Jane Smith_1001_assignsubmission_file_{NB}", MOODLE, "1001", NB, 0),
    (f"José Núñez-Ávila_1002_assignsubmission_file_{NB}", MOODLE, "1002", NB, 0),
    (f"Participant_1003_assignsubmission_file_{NB}", MOODLE, "1003", NB, 0),   # blind marking
    (f"Jane Smith_1001_assignsubmission_file/{NB}", MOODLE, "1001", NB, 0),     # Moodle 4: folders
    (f"Jane Smith_1001_assignsubmission_file_/{NB}", MOODLE, "1001", NB, 0),    # Moodle 3.x: trailing _
    (f"王 小明_1005_assignsubmission_file/{A}-1.ipynb", MOODLE, "1005", f"{A}-1.ipynb", 0),  # Moodle renames nothing
    ("Jane Smith_1001_assignsubmission_onlinetext_onlinetext.html", MOODLE, "1001", "onlinetext.html", 0),
    (f"Team 3_42_assignsubmission_file/{NB}", MOODLE, "42", NB, 0),            # team submission: the group's id
    (f"Participant_1003_assignsubmission_file_/{NB}", MOODLE, "1003", NB, 0),
    # a name crafted in the student's own part is filed under the real uploader when it reads one way only
    (f"eve_1006_55511_x_333_assignsubmission_file_{NB}", CANVAS, "1006", f"x_333_assignsubmission_file_{NB}", 0),
    (f"Eve 333_1006_assignsubmission_file/{NB}", MOODLE, "1006", NB, 0),
    (f"Eve_333_assignsubmission_file_1006_assignsubmission_file/{NB}", MOODLE, "1006", NB, 0),
    (f"eve_1006_55512_smithjane_1001_{NB}", CANVAS, "1006", f"smithjane_1001_{NB}", 0),
])
@pytest.mark.fast
def test_the_student_comes_from_the_lms_prefix(path, form, student, file, upload):
    r = lms.read_name(path, form)
    assert (r.student_id, r.file, r.upload) == (student, file, upload)


@pytest.mark.parametrize("path, form, victim", [
    # Canvas: a display name holding `_<id>_<id>_` could be where the prefix ends
    (f"eve_1006_55511_x_1001_55501_{NB}", CANVAS, "1001"),
    (f"eve_LATE_1006_55511_doejohn_1002_55502_{NB}", CANVAS, "1002"),
    # ... and so could a name part holding it (`x__1001_` is `x_1001` after Canvas's sanitizing)
    (f"x_1001_1006_55511_{NB}", CANVAS, "1001"),
    # Moodle: the marker twice, in the file's name or in the (student-editable) full name
    (f"Eve_1006_assignsubmission_file_x_1001_assignsubmission_file_{NB}", MOODLE, "1001"),
    (f"Eve_1001_assignsubmission_file_1006_assignsubmission_file_{NB}", MOODLE, "1001"),
])
@pytest.mark.fast
def test_a_name_that_reads_two_ways_is_filed_under_nobody(path, form, victim):
    assert any(r.student_id == victim for r in lms.readings(path, form)), "the name does try to name the victim"
    with pytest.raises(lms.Unreadable) as e:
        lms.read_name(path, form)
    assert e.value.student_id is None and "filed under nobody" in e.value.reason
    assert f"student {victim}'s" in e.value.reason and "student 1006's" in e.value.reason


@pytest.mark.fast
def test_canvas_attachment_ids_are_read_moodle_has_none():
    assert lms.read_name(f"o_brienpat_LATE_12349_55502_{A}-1.ipynb", CANVAS).attachment == 55502
    assert lms.read_name(f"LATE_anon_x7Yq2_55510_{NB}", ANON).attachment == 55510
    assert lms.read_name(f"Jane Smith_1001_assignsubmission_file/{NB}", MOODLE).attachment == 0


@pytest.mark.fast
def test_one_student_read_two_ways_keeps_the_student_and_refuses_the_file():
    with pytest.raises(lms.Unreadable) as e:
        lms.read_name(f"eve_1006_55511_x_1006_55512_{NB}", CANVAS)
    assert e.value.student_id == "1006"


@pytest.mark.parametrize("path, form", [
    (f"smithjane_١٠٠١_55501_{NB}", CANVAS),              # other scripts' digits are no id
    (f"smithjane_01001_55501_{NB}", CANVAS),             # nor is a leading zero
    (f"smithjane_1001_{NB}", CANVAS),
    (f"sub/smithjane_1001_55501_{NB}", CANVAS),          # Canvas writes no folders
    (f"anon__55501_{NB}", ANON),
    (f"Jane Smith_1001_onlinetext_/{NB}", MOODLE),
    (f"Jane Smith_1001_assignsubmission_file_sub/{NB}", MOODLE),   # flat mode writes no `/`
    (f"Jane Smith_1001_assignfeedback_file_{NB}", MOODLE),
    (f"Default group_assignsubmission_file_{NB}", MOODLE),             # a student in no team: no id
    (f"Default group_assignsubmission_file/{NB}", MOODLE),
    ("smithjane_1001_text.html", CANVAS),                              # text entry: no attachment, no file
    (NB, MOODLE), (NB, CANVAS),
])
@pytest.mark.fast
def test_a_name_without_the_lms_prefix_is_nobodys(path, form):
    with pytest.raises(lms.Unreadable) as e:
        lms.read_name(path, form)
    assert e.value.student_id is None and "prefix" in e.value.reason


@pytest.mark.parametrize("path, form, why", [
    ("smithjane_1001_55501_..", CANVAS, "the file name"),
    ("smithjane_1001_55501_.", CANVAS, "the file name"),
    ("smithjane_1001_55501_.ipynb", CANVAS, "hidden"),
    ("smithjane_1001_55501_.hidden-1.ipynb", CANVAS, "hidden"),
    ("smithjane_1001_55501_..\\..\\x.ipynb", CANVAS, "a path"),
    ("smithjane_1001_55501_\x1b]0;pwned\x07.ipynb", CANVAS, "control characters"),
    ("smithjane_1001_55501_kernel\u202eblyp.ipynb", CANVAS, "control characters"),
    ("smithjane_1001_55501_a\nb.ipynb", CANVAS, "control characters"),
    ("smithjane_1001_55501_" + "k" * 250 + ".ipynb", CANVAS, "255 bytes"),
    (f"Jane Smith_1001_assignsubmission_file/sub/{NB}", MOODLE, "subfolder"),
    ("Jane Smith_1001_assignsubmission_file_..", MOODLE, "the file name"),
])
@pytest.mark.fast
def test_the_file_name_must_be_a_plain_base_name(path, form, why):
    with pytest.raises(lms.Unreadable) as e:
        lms.read_name(path, form)
    assert e.value.student_id == "1001" and why in e.value.reason, e.value.reason


@pytest.mark.fast
def test_the_lms_is_decided_for_the_whole_download():
    canvas = [f"smithjane_1001_55501_{NB}", f"doejohn_1002_55502_{NB}",
              f"eve_1006_55511_x_333_assignsubmission_file_{NB}"]         # one name also reads as Moodle's
    assert lms.which_lms(canvas) == (CANVAS, None)
    moodle = [f"Jane Smith_1001_assignsubmission_file_{NB}", f"Eve_1006_assignsubmission_file_x_5_6_{NB}"]
    assert lms.which_lms(moodle) == (MOODLE, None)
    assert lms.which_lms([f"anon_2gP8M_55509_{NB}", f"anon_Qw3rT_55510_{NB}"]) == (ANON, None)
    form, why = lms.which_lms([f"anon_1001_55509_{NB}"])          # Canvas's named and anonymous forms alike
    assert form is None and "cannot be told" in why
    form, why = lms.which_lms([NB, "readme.txt"])
    assert form is None and "no name" in why


@pytest.mark.fast
def test_of_several_uploads_of_one_name_the_lms_latest_is_kept():
    def r(attachment, uploaded):
        return lms.read_name(f"smithjane_1001_{attachment}_{uploaded}", CANVAS)
    # Canvas numbers its attachments in upload order: the highest id is the latest, whatever the -N says
    ups = [(r(55501, NB), "a"), (r(55703, f"{A}-0f8fad5b-d9cb-469f-a165-70867728950e.ipynb"), "c"),
           (r(55602, f"{A}-7.ipynb"), "b")]
    kept, others = lms.latest(ups)
    assert kept[1] == "c" and [x for _, x, _, refused in others] == ["a", "b"]
    assert not any(refused for *_, refused in others) and all("older upload" in why for _, _, why, _ in others)
    assert "attachment 55703" in others[0][2]
    kept, others = lms.latest([(r(55501, f"{A}-1.ipynb"), "a"), (r(55501, NB), "b")])   # one attachment renamed
    assert kept[1] == "a"
    # one attachment in two downloads: collected once
    kept, others = lms.latest([(r(55501, NB), "monday"), (r(55501, NB), "friday")])
    assert kept[1] == "monday" and [(x, refused) for _, x, _, refused in others] == [("friday", False)]
    assert "same upload" in others[0][2]
    # Moodle numbers nothing: one name twice cannot be ordered, none is collected
    m = lms.read_name(f"Jane Smith_1001_assignsubmission_file/{NB}", MOODLE)
    kept, others = lms.latest([(m, "monday"), (m, "friday")])
    assert kept is None and all(refused for *_, refused in others) and len(others) == 2
    assert "cannot be told" in others[0][2]


@pytest.mark.fast
def test_student_made_names_are_shown_without_control_characters():
    line = lms.shown('x\x1b[2J\r\n\u202eevil"\\')
    assert line == '"x\\x1b[2J\\x0d\\x0a\\u202eevil\\"\\\\"'
    assert lms.shown("José Núñez 王") == '"José Núñez 王"'


# -- the extractor, on zips made as the LMSs make them ---------------------------------------------------

NOTEBOOK = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n'


class Zeros(io.RawIOBase):
    """n zero bytes, read in pieces (a zip bomb's content, never held in memory)."""

    def __init__(self, n):
        self.left = n

    def readable(self):
        return True

    def readinto(self, b):
        k = min(len(b), self.left)
        b[:k] = bytes(k)
        self.left -= k
        return k


def zip_of(entries, path=None):
    """A zip of entries: (name, bytes) or (ZipInfo, bytes) or (name, ("zeros", n))."""
    buf = path or io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            if isinstance(data, tuple):
                with z.open(name, "w") as f:
                    src = Zeros(data[1])
                    while chunk := src.read(1 << 20):
                        f.write(chunk)
            else:
                z.writestr(name, data)
    return buf if path else buf.getvalue()


def special(name, mode, data=b""):
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = mode << 16
    return info, data


def hostile_targz(bomb=32 * 1024 ** 2):
    """An upload: `../` and absolute members, a symbolic and a hard link, a FIFO, a file and a zip that
    expand to `bomb` bytes from a few KiB."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        def add(name, data=b"", **kw):
            info = tarfile.TarInfo(name)
            for k, v in kw.items():
                setattr(info, k, v)
            info.size = len(data) if isinstance(data, bytes) else bomb
            tf.addfile(info, io.BytesIO(data) if isinstance(data, bytes) else io.BufferedReader(data, 1 << 20))
        add(f"../../escaped_{NB}", NOTEBOOK)
        add(f"/tmp/absolute_{NB}", NOTEBOOK)
        add(NB, type=tarfile.SYMTYPE, linkname="/etc/passwd")
        add(f"hard_{NB}", type=tarfile.LNKTYPE, linkname="/etc/passwd")
        add("fifo", type=tarfile.FIFOTYPE)
        add(f"bomb_{NB}", Zeros(bomb))
        add("bomb.zip", zip_of([(f"bomb_{NB}", ("zeros", bomb))]))
    return buf.getvalue()


def run_extractor(tmp_path, archive_files, assignment=None, **bounds):
    """LmsExtractor on downloaded/archive/ holding archive_files ({relative path: bytes}), as nbgrader runs it
    (for `assignment`: in an app of that assignment, at tmp_path). Returns (extractor with .code, extracted
    folder, the log's lines)."""
    archive, extracted = tmp_path / "archive", tmp_path / "extracted"
    archive.mkdir(parents=True, exist_ok=True)
    extracted.mkdir()
    for rel, data in archive_files.items():
        (archive / rel).parent.mkdir(parents=True, exist_ok=True)
        (archive / rel).write_bytes(data)
    log = logging.getLogger(f"test_lms.{tmp_path.name}")
    records = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())
    log.addHandler(handler)
    try:
        if assignment:
            from nbgrader.coursedir import CourseDirectory
            from traitlets.config import Configurable
            app = Configurable()
            app.coursedir = CourseDirectory(root=str(tmp_path), assignment_id=assignment)
            bounds["parent"] = app
        ex = LmsExtractor(log=log, **bounds)
        ex.extract(str(archive), str(extracted))
        ex.code = ex.report()                  # nbgrader's exit code, its last line last in `records`
    finally:
        log.removeHandler(handler)
    return ex, extracted, records


def files_under(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(Path(folder).rglob("*")) if p.is_file()}


def the_line(lines, *words):
    found = [line for line in lines if all(w in line for w in words)]
    assert len(found) == 1, (words, lines)
    return found[0]


@pytest.mark.fast
def test_a_canvas_download_with_hostile_members_collects_the_honest_students(tmp_path):
    download = zip_of([
        (f"smithjane_1001_55501_{NB}", NOTEBOOK),
        (f"doejohn_LATE_1002_55502_{A}-1.ipynb", NOTEBOOK + b" "),
        (f"../evil_1003_55503_{NB}", NOTEBOOK),
        (f"/abs_1003_55504_{NB}", NOTEBOOK),
        special(f"link_1003_55505_{NB}", stat.S_IFLNK | 0o777, b"/etc/passwd"),
        special(f"fifo_1003_55506_{NB}", stat.S_IFIFO | 0o644),
        (f"big_1004_55507_{NB}", ("zeros", 3 * 1024 ** 2)),
        ("smithjane_1001_55508_slides.pdf", b"%PDF"),
    ])
    ex, extracted, lines = run_extractor(tmp_path, {"submissions.zip": download}, max_file_bytes=1024 ** 2)
    assert files_under(extracted) == {f"1001/{NB}": NOTEBOOK, f"1002/{NB}": NOTEBOOK + b" "}
    assert {v["student_id"]: v["file_id"] for v in ex.collected.values()} == {"1001": NB, "1002": NB}
    assert "climbs out" in the_line(lines, "evil_1003")
    assert "absolute" in the_line(lines, "abs_1003")
    assert "symbolic link" in the_line(lines, "link_1003")
    assert "FIFO" in the_line(lines, "fifo_1003")
    assert "more than the 1.0 MiB" in the_line(lines, "student 1004's", "big_1004")
    assert "not a notebook" in the_line(lines, "student 1001's", "slides.pdf")
    assert not (tmp_path / f"evil_1003_55503_{NB}").exists() and not list(tmp_path.rglob("*evil*"))
    assert ex.code == 1 and "no notebook collected of student(s) 1004" in lines[-1]


@pytest.mark.fast
def test_canvas_downloads_in_every_form_canvas_writes_are_collected(tmp_path):
    uuid = "0f8fad5b-d9cb-469f-a165-70867728950e"
    named = zip_of([(f"o_brienpat_12349_55501_{NB}", NOTEBOOK + b"1"),                 # `_` in the name
                    (f"smithjane_LATE_1001_55502_{A}-2.ipynb", NOTEBOOK + b"2"),       # late, re-uploaded
                    (f"doejohn_1002_55503_{A}-7.ipynb", NOTEBOOK + b"old"),
                    (f"doejohn_1002_55504_{A}-{uuid}.ipynb", NOTEBOOK + b"3"),         # after -7
                    (f"núñezjosé_1004_55505_{NB}", NOTEBOOK + b"4")])
    ex, extracted, lines = run_extractor(tmp_path, {"named.zip": named})
    assert files_under(extracted) == {f"12349/{NB}": NOTEBOOK + b"1", f"1001/{NB}": NOTEBOOK + b"2",
                                      f"1002/{NB}": NOTEBOOK + b"3", f"1004/{NB}": NOTEBOOK + b"4"}, lines
    assert "older upload" in the_line(lines, "student 1002's", "55503") and ex.code == 0
    anonymous = zip_of([(f"anon_2gP8M_55601_{NB}", NOTEBOOK + b"a"), (f"LATE_anon_x7Yq2_55602_{A}-1.ipynb", NOTEBOOK)])
    ex, extracted, lines = run_extractor(tmp_path / "anon", {"anonymous.zip": anonymous})
    assert files_under(extracted) == {f"anon_2gP8M/{NB}": NOTEBOOK + b"a", f"anon_x7Yq2/{NB}": NOTEBOOK}, lines
    assert ex.code == 0


@pytest.mark.fast
def test_a_member_that_inflates_past_its_declared_size_costs_only_its_student(tmp_path):
    data = zip_of([(f"smithjane_1001_55501_{NB}", NOTEBOOK), (f"bomb_1003_55502_{NB}", ("zeros", 4 * 1024 ** 2)),
                   ("bomb_1003_55503_notes.ipynb", NOTEBOOK)])
    # the central directory says the bomb holds 1000 bytes: reading stops there and its CRC fails
    buf = bytearray(data)
    at = buf.index(b"PK\x01\x02")                     # the first entry of the central directory
    name = f"bomb_1003_55502_{NB}".encode()
    while buf[at + 46:at + 46 + len(name)] != name:
        at = buf.index(b"PK\x01\x02", at + 4)
    assert int.from_bytes(buf[at + 24:at + 28], "little") == 4 * 1024 ** 2
    buf[at + 24:at + 28] = (1000).to_bytes(4, "little")
    ex, extracted, lines = run_extractor(tmp_path, {"submissions.zip": bytes(buf)})
    assert files_under(extracted) == {f"1001/{NB}": NOTEBOOK}
    assert "CRC" in the_line(lines, f"student 1003's \"bomb_1003_55502_{NB}\"", "could not be read from")
    assert "withdrawn" in the_line(lines, "student 1003's \"bomb_1003_55503_notes.ipynb\"")
    assert max(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file()) < 4 * 1024 ** 2


@pytest.mark.fast
def test_an_archive_a_student_uploaded_is_not_opened(tmp_path):
    download = zip_of([(f"smithjane_1001_55501_{NB}", NOTEBOOK), ("mallory_1003_55503_upload.tar.gz", hostile_targz()),
                       ("mallory_1003_55504_more.zip", zip_of([(NB, NOTEBOOK)]))])
    ex, extracted, lines = run_extractor(tmp_path, {"submissions.zip": download})
    assert files_under(extracted) == {f"1001/{NB}": NOTEBOOK}
    assert "an archive a student uploaded is not opened" in the_line(lines, "student 1003's", "upload.tar.gz")
    assert "not a notebook" in the_line(lines, "student 1003's", "more.zip")
    assert ex.code == 1 and "no notebook collected of student(s) 1003" in lines[-1]


@pytest.mark.fast
def test_moodle_downloads_in_folders_and_files_with_any_letters(tmp_path):
    folders = zip_of([(f"José Núñez_1001_assignsubmission_file/{NB}", NOTEBOOK),
                      ("José Núñez_1001_assignsubmission_onlinetext/onlinetext.html", b"<p>hi</p>"),
                      (f"王 小明_1002_assignsubmission_file_/{NB}", NOTEBOOK + b"2"),
                      (f"Eve_1003_assignsubmission_file/sub/{NB}", NOTEBOOK)])
    files = zip_of([(f"Ana Lima_1004_assignsubmission_file_{NB}", NOTEBOOK + b"4")])
    ex, extracted, lines = run_extractor(tmp_path, {"moodle-folders.zip": folders, "more/moodle-files.zip": files})
    assert files_under(extracted) == {f"1001/{NB}": NOTEBOOK, f"1002/{NB}": NOTEBOOK + b"2",
                                      f"1004/{NB}": NOTEBOOK + b"4"}
    assert "subfolder" in the_line(lines, "student 1003's")
    assert "not a notebook" in the_line(lines, "student 1001's", "onlinetext.html")


@pytest.mark.fast
def test_an_unzipped_download_is_read_as_one_and_its_links_refused(tmp_path):
    (tmp_path / "archive").mkdir()
    (tmp_path / "archive" / f"doejohn_1002_55502_{NB}").symlink_to("/etc/passwd")
    forged = zip_of([(f"doejohn_1002_55502_{NB}", b"not john's")])     # a zip a student uploaded
    ex, extracted, lines = run_extractor(tmp_path, {f"smithjane_1001_55501_{NB}": NOTEBOOK,
                                                    f"smithjane_1001_55501_{NB}.txt": b"notes",
                                                    "mallory_1003_55503_forged.zip": forged})
    assert files_under(extracted) == {f"1001/{NB}": NOTEBOOK}
    assert "symbolic link" in the_line(lines, "doejohn_1002")
    assert "not opened" in the_line(lines, "student 1003's", "forged.zip")
    assert ex.code == 1 and "1 item(s) refused, 2 not collected" in lines[-1]


@pytest.mark.fast
def test_duplicates_are_resolved_or_refused_per_student_across_downloads(tmp_path):
    monday = zip_of([(f"smithjane_1001_55501_{NB}", NOTEBOOK), (f"doejohn_1002_55502_{NB}", NOTEBOOK),
                     (f"roeric_1004_55504_{NB}", NOTEBOOK)])
    friday = zip_of([(f"smithjane_1001_55601_{A}-1.ipynb", NOTEBOOK + b"new"), (f"doejohn_1002_55602_{NB}", NOTEBOOK),
                     (f"roeric_1004_55604_{A}-1.ipynb", NOTEBOOK + b"1"),
                     (f"roeric_1004_55605_{A}-1.ipynb", NOTEBOOK + b"1'")])
    ex, extracted, lines = run_extractor(tmp_path, {"monday.zip": monday, "friday.zip": friday})
    assert files_under(extracted) == {f"1001/{NB}": NOTEBOOK + b"new", f"1002/{NB}": NOTEBOOK,
                                      f"1004/{NB}": NOTEBOOK + b"1'"}
    assert "older upload" in the_line(lines, "student 1001's", "55501")
    assert "older upload" in the_line(lines, "student 1002's", "55502", "monday.zip")
    assert all("older upload" in the_line(lines, "student 1004's", n) for n in ("55504", "55604"))
    assert not [line for line in lines if "_55602_" in line or "_55605_" in line]     # the kept ones
    # the same attachment in both downloads (nothing resubmitted): collected once
    again = zip_of([(f"smithjane_1001_55601_{A}-1.ipynb", NOTEBOOK + b"new")])
    ex, extracted, lines = run_extractor(tmp_path / "again", {"friday.zip": friday, "again.zip": again})
    assert files_under(extracted)[f"1001/{NB}"] == NOTEBOOK + b"new"
    assert "same upload" in the_line(lines, "student 1001's", "55601")
    # Moodle names nothing that orders two downloads: the student's notebook is refused, the others collected
    first = zip_of([(f"Jane Smith_1001_assignsubmission_file/{NB}", NOTEBOOK),
                    (f"Ana Lima_1004_assignsubmission_file/{NB}", NOTEBOOK)])
    second = zip_of([(f"Jane Smith_1001_assignsubmission_file/{NB}", NOTEBOOK + b"2")])
    ex, extracted, lines = run_extractor(tmp_path / "moodle", {"first.zip": first, "second.zip": second})
    assert files_under(extracted) == {f"1004/{NB}": NOTEBOOK}
    assert all("cannot be told" in the_line(lines, "student 1001's", z) for z in ("first.zip", "second.zip"))


@pytest.mark.fast
def test_bounds_per_student_and_per_download(tmp_path):
    download = zip_of([(f"smithjane_1001_55501_{NB}", NOTEBOOK), ("smithjane_1001_55502_b.ipynb", NOTEBOOK),
                       (f"doejohn_1002_55503_{NB}", ("zeros", 600 * 1024)),
                       ("doejohn_1002_55504_b.ipynb", ("zeros", 600 * 1024)),
                       (f"roeric_1004_55505_{NB}", ("zeros", 900 * 1024)),
                       (f"ng_1005_55506_{NB}", ("zeros", 900 * 1024))])
    ex, extracted, lines = run_extractor(tmp_path, {"d.zip": download}, max_student_bytes=1024 ** 2,
                                         max_download_bytes=1536 * 1024)
    assert sorted(files_under(extracted)) == [f"1001/{NB}", "1001/b.ipynb", f"1004/{NB}"]
    assert "more than the 1.0 MiB allowed in all" in the_line(lines, "student 1002's", "55503")
    assert "max_download_bytes" in the_line(lines, "student 1005's")
    ex, extracted, lines = run_extractor(tmp_path / "few", {"d.zip": download}, max_student_files=1)
    assert "max_student_files" in the_line(lines, "student 1001's", "55501")
    ex, extracted, lines = run_extractor(tmp_path / "entries", {"d.zip": download}, max_download_files=5)
    assert "6 entries, more than the 5" in the_line(lines, "the download")
    assert files_under(extracted) == {}


@pytest.mark.fast
def test_a_download_whose_lms_cannot_be_told_is_refused_whole(tmp_path):
    ex, extracted, lines = run_extractor(tmp_path, {"d.zip": zip_of([(f"anon_1001_55501_{NB}", NOTEBOOK)]),
                                                    "broken.zip": b"PK\x03\x04 not a zip"})
    assert files_under(extracted) == {}
    assert "cannot be told" in the_line(lines, "anon_1001_55501")
    assert "not a readable zip" in the_line(lines, "broken.zip")


# -- real nbgrader zip_collect, one archive holding a whole hostile class ----------------------------------

def test_zip_collect_collects_the_honest_students_of_a_hostile_class(tmp_path):
    course = Course(tmp_path / "course", [A])
    release(course)
    root = course.root
    jane = (root / "notebooks" / A / NB).read_bytes()
    john = jane.replace(b'"nbformat": 4', b'"nbformat": 4 ')
    download = zip_of([
        (f"smithjane_1001_55501_{NB}", jane),                                   # honest
        (f"doejohn_LATE_1002_55502_{A}-1.ipynb", john),                         # honest, late, re-uploaded
        ("mallory_1003_55503_upload.tar.gz", hostile_targz()),                  # a hostile archive
        (f"roeric_1004_55504_{NB}", jane + b" "),                               # re-uploads: the latest kept
        (f"roeric_1004_55505_{A}-1.ipynb", jane + b"  "),
        (f"ng_1005_55506_{A}-1.ipynb", jane),                                   # one name twice: the later
        (f"ng_1005_55507_{A}-1.ipynb", jane + b"   "),                          # attachment is the latest
        (f"moriarty_1006_55508_x_1002_55502_{NB}", b"not john's"),              # names a classmate
        (f"moriarty_1006_55509_x_1001_assignsubmission_file_{NB}", b"moriarty's"),
        ("pat_1007_55510_\x1b]0;pwned\x07\x1b[2J.ipynb", b"x"),                # a terminal escape
        (f"big_1008_55511_{NB}", ("zeros", 2 * 1024 ** 2)),                     # over the bound
    ])
    archive = root / "downloaded" / A / "archive"
    archive.mkdir(parents=True)
    (archive / "submissions.zip").write_bytes(download)
    before = {p for p in tmp_path.rglob("*")}
    bound = 1024 ** 2
    r = course.nbgrader("zip_collect", A, f"--LmsExtractor.max_file_bytes={bound}", check=False)
    err = r.stdout + r.stderr
    assert r.returncode == 1, err                       # something needs the instructor
    submitted = root / "submitted"
    assert files_under(submitted) == {f"1001/{A}/{NB}": jane, f"1002/{A}/{NB}": john,
                                      f"1004/{A}/{NB}": jane + b"  ", f"1005/{A}/{NB}": jane + b"   ",
                                      f"1006/{A}/{NB}": b"moriarty's"}, err      # his own, named as nbgrader grades it
    new = {p for p in tmp_path.rglob("*")} - before
    outside = [p for p in new if not (p.is_relative_to(submitted) or p.is_relative_to(archive.parent / "extracted"))]
    assert outside == [], outside                       # nothing written anywhere else
    assert not [p for p in tmp_path.rglob("*") if p.is_symlink()]
    assert max(p.stat().st_size for p in new if p.is_file()) <= bound
    lines = err.splitlines()
    assert "not opened" in the_line(lines, "student 1003's", "upload.tar.gz")
    assert "older upload" in the_line(lines, "student 1004's", "55504")
    assert "older upload" in the_line(lines, "student 1005's", "55506")
    assert "filed under nobody" in the_line(lines, "x_1002_55502")
    assert "control characters" in the_line(lines, "student 1007's", "\\x1b]0;pwned\\x07\\x1b[2J")
    assert "max_file_bytes" in the_line(lines, "student 1008's", "big_1008")
    assert "\x1b" not in err and "\x07" not in err
    summary = the_line(lines, "5 notebook(s) of 5 student(s) collected")
    assert "no notebook collected of student(s) 1003, 1007, 1008" in summary and "exit code 1" in summary
    # collected again without --force (extracted/ cleared by hand): nobody's work is replaced, the run goes on
    shutil.rmtree(archive.parent / "extracted")
    r = course.nbgrader("zip_collect", A, f"--LmsExtractor.max_file_bytes={bound}", check=False)
    assert r.returncode == 1 and "already collected" in the_line((r.stdout + r.stderr).splitlines(), "student 1001's")
    assert (submitted / "1004" / A / NB).read_bytes() == jane + b"  "


@pytest.mark.fast
def test_the_collector_hands_nbgrader_only_what_the_extractor_decided(tmp_path):
    from nbgrader.apps.zipcollectapp import ZipCollectApp
    app = ZipCollectApp()
    collector = lms.LmsCollector(parent=app)
    with pytest.raises(SystemExit):                 # another extractor: nothing is collected
        collector.collect(str(tmp_path / "1001" / NB))
    app.extractor_plugin_inst = extractor = LmsExtractor(parent=app)
    extractor.collected[str(tmp_path / "1001" / NB)] = {"student_id": "1001", "file_id": NB}
    assert collector.collect(str(tmp_path / "x" / ".." / "1001" / NB)) == {"student_id": "1001", "file_id": NB}
    assert collector.collect(str(tmp_path / "1002" / NB)) is None


@pytest.mark.fast
def test_lms_exports_write_formula_like_cells_as_text(tmp_path):
    from types import SimpleNamespace

    class Gradebook:                    # what the exports read of nbgrader's gradebook
        assignments = [SimpleNamespace(name=A, max_score=5.0, duedate=None, notebooks=[], submissions=[1])]
        students = [SimpleNamespace(id="1001", first_name='=HYPERLINK("http://x")', last_name="@SUM(A1)", email=None)]

        def find_submission(self, assignment, student):
            return SimpleNamespace(timestamp=None, score=0.0, late_submission_penalty=0.0)
    lms.CanvasExport(to=str(tmp_path / "canvas.csv")).export(Gradebook())
    lms.MoodleExport(to=str(tmp_path), assignment=[A]).export(Gradebook())
    canvas = (tmp_path / "canvas.csv").read_text()
    assert "'@SUM(A1)" in canvas and ",1001," in canvas
    assert "\"'=HYPERLINK(\"\"http://x\"\")" in (tmp_path / f"moodle-{A}.csv").read_text()


@pytest.mark.fast
def test_a_renamed_notebook_is_collected_under_the_assignments_name(tmp_path):
    """Colab's `Copy of X.ipynb`, a browser's `X (1).ipynb`: a student's only notebook named like the
    assignment is collected as X.ipynb (nbgrader grades only that name), and the log says so; a notebook beside
    X.ipynb named like it is collected as it is, and the log says it is not graded."""
    download = zip_of([(f"smithjane_1001_55501_Copy of {NB}", NOTEBOOK),
                       (f"doejohn_1002_55502_{NB}", NOTEBOOK), (f"doejohn_1002_55503_{A} (1).ipynb", NOTEBOOK + b"1"),
                       ("roeric_1004_55504_homework.ipynb", NOTEBOOK)])
    ex, extracted, lines = run_extractor(tmp_path, {"canvas.zip": download}, assignment=A)
    assert files_under(extracted) == {f"1001/{NB}": NOTEBOOK, f"1002/{NB}": NOTEBOOK,
                                      f"1002/{A} (1).ipynb": NOTEBOOK + b"1", "1004/homework.ipynb": NOTEBOOK}
    assert f"collected as {NB}" in the_line(lines, "student 1001's", f"Copy of {NB}")
    assert f"only {NB} is graded" in the_line(lines, "student 1002 also handed in", f"{A} (1).ipynb")
