"""Runs in every nbgrader process (its guard), the grade command and its grading processes.

A submission's files, taken in as data: never a path to follow.

What a student hands in (submitted/<student>/<assignment>/) is read by nbgrader, hashed by
`python -m autograder grade` and copied by nbgrader into autograded/. A link there would make a
grading process read, copy or hash a file of the host (the gradebook, another student's work,
/etc/shadow), a FIFO or device would hang it, a huge file would fill its memory. So before any of
that, `check_folder` walks the folder with lstat and refuses the whole submission, with the reason,
unless it holds only plain directories and regular files with one link each, within limits.

`install_nbgrader_guard()` (called by autograder/nbgrader_config.py) puts that check in front of
nbgrader's own autograde for every submission, so plain `nbgrader autograde` has it too: a refused
submission is reported by nbgrader as failed, with the reason, and the others are graded. It also
strips a UTF-8 byte-order mark from a notebook, which nbformat cannot read.
"""
import hashlib
import json
import os
import stat

# The bounds of a submission (bytes of a file and in all, files, folder depth, cells and outputs of a
# notebook) are autograder/limits.py's; the rest of the course reads them here too (intake.MAX_FILE).
from ..limits import MAX_CELLS, MAX_DEPTH, MAX_FILE, MAX_FILES, MAX_JSON_CONTAINERS, MAX_OUTPUTS, MAX_TOTAL


class Rejected(Exception):
    """A submission folder that holds something other than plain files, or too much."""


def check_folder(folder, max_total=MAX_TOTAL):
    """The regular files of a submission folder (sorted paths <student>/<assignment>/...), or Rejected
    saying why.

    The folder itself and its two parents (submitted/<student>/<assignment>) must be real directories,
    not links; below it only directories and regular files with a single hard link, each file at most
    MAX_FILE bytes, `max_total` in all, at most MAX_FILES files, MAX_DEPTH levels."""
    folder = os.path.abspath(folder)
    parts = [folder, os.path.dirname(folder), os.path.dirname(os.path.dirname(folder))]
    for path in parts:
        _expect_dir(path, os.path.dirname(parts[-1]))
    files = []
    total = [0]

    def walk(path, depth):
        if depth > MAX_DEPTH:
            raise Rejected(f"{_rel(path, folder)}: folders nested more than {MAX_DEPTH} deep")
        with os.scandir(path) as entries:
            for entry in entries:
                st = entry.stat(follow_symlinks=False)
                rel = _rel(entry.path, folder)
                if stat.S_ISDIR(st.st_mode):
                    walk(entry.path, depth + 1)
                elif not stat.S_ISREG(st.st_mode):
                    raise Rejected(f"{rel} is {kind(st.st_mode)}, not a file; hand in the file itself")
                elif st.st_nlink != 1:
                    raise Rejected(f"{rel} is a hard link to another file; hand in a copy")
                elif st.st_size > MAX_FILE:
                    raise Rejected(f"{rel} has {st.st_size / 1024 ** 2:.1f} MiB, more than {MAX_FILE // 1024 ** 2} "
                                   "MiB; clear its outputs and hand it in again")
                else:
                    if entry.name.endswith(".ipynb"):
                        _count_cells(entry.path, rel)
                    files.append(rel)
                    total[0] += st.st_size
                    if len(files) > MAX_FILES:
                        raise Rejected(f"more than {MAX_FILES} files")
                    if total[0] > max_total:
                        raise Rejected(f"its files hold more than {max_total // 1024 ** 2} MiB in all; hand in "
                                       "the notebook alone, its outputs cleared")
    walk(folder, 0)
    return sorted(files)


def _count_cells(path, rel):
    """Rejected when the notebook at path holds more than MAX_CELLS cells or MAX_OUTPUTS outputs, or more
    JSON objects than such a notebook could (or brackets than MAX_JSON_CONTAINERS), or is not JSON at all: parsed
    with a counter that stops the parse as soon as a bound is passed, before nbformat reads anything (json's C
    parser; keys however they are escaped, `"\\u0063ell_type"` included)."""
    import json
    counts = {"objects": 0, "cell_type": 0, "output_type": 0}
    bounds = {"objects": 4 * MAX_CELLS + 3 * MAX_OUTPUTS + 100, "cell_type": MAX_CELLS, "output_type": MAX_OUTPUTS}
    words = {"objects": "JSON objects", "cell_type": "cells", "output_type": "outputs"}

    def count(pairs):
        counts["objects"] += 1
        for key, _ in pairs:
            if key in ("cell_type", "output_type"):
                counts[key] += 1
        for what, most in bounds.items():
            if counts[what] > most:
                raise Rejected(f"{rel} has more than {most} {words[what]}; hand in the course's notebook with "
                               "your answers" + (", its outputs cleared" if what != "cell_type" else ""))
        return None                 # nothing is kept: only counted
    raw = read_file(path)
    if _containers(raw) > MAX_JSON_CONTAINERS:     # lists reach no hook: `[],` repeated costs ~20x its bytes
        raise Rejected(f"{rel} holds more than {MAX_JSON_CONTAINERS} JSON objects and lists; hand in the course's "
                       "notebook with your answers, its outputs cleared")
    try:
        json.loads(raw, object_pairs_hook=count)
    except (ValueError, RecursionError):
        pass                        # not JSON (or nested too deep for it): nbgrader says so, for this student alone


def _expect_dir(path, root):
    rel = os.path.relpath(path, root)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise Rejected(f"{rel} does not exist") from None
    if not stat.S_ISDIR(st.st_mode):
        raise Rejected(f"{rel} is {kind(st.st_mode)}, not a folder")


def kind(mode):
    """What a file of this stat mode is, as a message names it ("a symbolic link", "a FIFO", "a folder"...):
    used by the intake checks here and by the collectors (autograder/classroom/exchange.py)."""
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISREG, "a file"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "a special file"


def _rel(path, folder):
    """The path as <student>/<assignment>/...: what an instructor recognises in a message."""
    return os.path.relpath(path, os.path.dirname(os.path.dirname(folder)))


def read_file(path, limit=MAX_FILE):
    """The bytes of a regular file, opened without following a link and without blocking on a FIFO,
    at most `limit` of them (Rejected otherwise)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            raise Rejected(f"{path} is not a regular file of at most {limit} bytes")
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > limit:
                raise Rejected(f"{path} grew past {limit} bytes while being read")
            chunks.append(chunk)
    finally:
        os.close(fd)


def _containers(raw):
    """At most how many JSON objects and lists the bytes `raw` can parse into (brackets in strings count too):
    what parsing would cost in memory, known before parsing."""
    return raw.count(b"{") + raw.count(b"[")


def read_notebook(path, limit=MAX_FILE):
    """A student's notebook as parsed JSON (read_file, then parse_notebook), a dict with a list of cells. Raises
    Rejected (not a regular file, over `limit` bytes, over MAX_JSON_CONTAINERS brackets: what parsing would cost
    in memory), OSError, or ValueError (not UTF-8, not JSON, not a notebook)."""
    return parse_notebook(read_file(path, limit), path)


def parse_notebook(raw, name="the notebook"):
    """The bytes of a notebook as parsed JSON, a dict with a list of cells (a UTF-8 byte-order mark, which some
    editors write, skipped). Raises Rejected (over MAX_JSON_CONTAINERS brackets, checked before parsing) or
    ValueError (not UTF-8, not JSON, not a notebook)."""
    if _containers(raw) > MAX_JSON_CONTAINERS:
        raise Rejected(f"{name} holds more than {MAX_JSON_CONTAINERS} JSON objects and lists")
    nb = json.loads(raw.removeprefix(BOM).decode("utf-8"))
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError("not a notebook (no list of cells)")
    return nb


def read_folder(folder, max_total=MAX_TOTAL):
    """A submission folder's files as (path relative to the folder, bytes), sorted; Rejected as
    check_folder. What the grading command ships to a worker."""
    base = os.path.dirname(os.path.dirname(os.path.abspath(folder)))
    files, total = [], 0
    for rel in check_folder(folder, max_total):
        data = read_file(os.path.join(base, rel))
        total += len(data)
        if total > max_total:
            raise Rejected(f"its files grew past {max_total // 1024 ** 2} MiB while being read")
        files.append((rel.split("/", 2)[2], data))
    return files


def digest_files(student, assignment, files):
    """A hash of a submission's files (read_folder's pairs) with their paths <student>/<assignment>/...."""
    h = hashlib.sha256()
    for rel, data in files:             # os.fsencode: a name need not be UTF-8 (its bytes are what it is)
        h.update(os.fsencode(f"{student}/{assignment}/{rel}") + b"\0" + data + b"\0")
    return h.hexdigest()


def digest(folder):
    """A hash of a submission (its files' relative paths and contents); Rejected as check_folder."""
    folder = os.path.abspath(folder)
    return digest_files(os.path.basename(os.path.dirname(folder)), os.path.basename(folder), read_folder(folder))


def named_like(name, assignment):
    """Whether a notebook's file name could be the assignment's notebook renamed: Colab's `Copy of X.ipynb`,
    Jupyter's `X-Copy1.ipynb`, a browser's `X (1).ipynb`, an LMS's `name_123_X.ipynb` (the class grader
    grades such a notebook as X.ipynb when it is the only one; the LMS collector collects it so)."""
    return name.lower().endswith(".ipynb") and assignment.lower() in name.lower().replace("-", "_").replace(" ", "_")


BOM = b"\xef\xbb\xbf"


def normalize_notebooks(folder):
    """Strip the UTF-8 byte-order mark some editors write at the start of a notebook (nbformat cannot
    read it); the file is otherwise unchanged. Returns the names fixed. Call after check_folder."""
    fixed = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if not name.endswith(".ipynb"):
            continue
        data = read_file(path)
        if data.startswith(BOM):
            fd = os.open(path, os.O_WRONLY | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC)
            try:
                os.write(fd, data[len(BOM):])
            finally:
                os.close(fd)
            fixed.append(name)
    return fixed


def install_nbgrader_guard():
    """Make nbgrader's autograde check each submission folder (check_folder) before it reads, copies
    or times anything in it (autograder/compat.py: guard_autograde). Idempotent."""
    from ..compat import guard_autograde
    guard_autograde(_guard)


def _guard(app, folder, student_id):
    """What nbgrader's autograde does first with a submission folder: check_folder, then normalize_notebooks."""
    check_folder(folder)
    for name in normalize_notebooks(folder):
        app.log.warning("%s/%s: removed a UTF-8 byte-order mark", student_id, name)
