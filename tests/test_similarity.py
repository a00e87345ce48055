"""The class report's "Similar answers" view (autograder/classroom/similarity.py; issue 28, item 6).

Answers that differ only by names, comments and layout are paired with a high score; independent correct
answers (the course's examples ada and grace) are not; the released stub alone makes no pair, nor does a copy
of the course's own examples; student-made text comes out escaped (HTML) or as text (CSV); a huge answer is
cut and the number of students is capped; and nothing of a grade is read or written.
"""
import ast
import csv
import hashlib
import json
import os
import subprocess
import sys
import time

import pytest

from autograder.classroom import similarity
from autograder.classroom.submissions import parse
from tests.conftest import ROOT

pytestmark = pytest.mark.fast        # make test-fast (pytest.ini)

A = "01_channels_kernel"

# An answer written for these tests (not one of the course's examples), and the same answer retyped: every
# name changed, comments added and removed, lines broken and joined, blank lines moved.
OWN = '''import numpy as np


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size):
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        scale = np.sqrt(1.0 / (in_channels * kernel_size))
        self.weight = scale * np.random.standard_normal((out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        batch, _, length = x.shape
        steps = length - self.kernel_size + 1
        out = np.empty((batch, self.out_channels, steps))
        flat = self.weight.reshape(self.out_channels, -1)
        for i in range(steps):
            patch = x[:, :, i:i + self.kernel_size].reshape(batch, -1)
            out[:, :, i] = patch @ flat.T
        return out

    def __call__(self, x):
        return self.forward(x)
'''

RETYPED = '''import numpy as xp      # short name


class Conv1d:

    def __init__(self, cin, cout, width):
        # keep the sizes
        self.ins = cin
        self.outs = cout
        self.width = width
        s = xp.sqrt(1.0 / (cin * width))
        self.weight = s * xp.random.standard_normal(
            (cout, cin, width)
        )
        self.bias = None
    def forward(self, signal):
        n, _, size = signal.shape   # unpack the input
        count = size - self.width + 1
        result = xp.empty((n, self.outs, count))
        w2 = self.weight.reshape(self.outs, -1)

        for pos in range(count):
            # one window of every channel, flattened
            window = signal[:, :, pos:pos + self.width].reshape(n, -1)
            result[:, :, pos] = window @ w2.T
        return result

    def __call__(self, signal):
        return self.forward(signal)
'''


def example(name, assignment=A, cell="conv1d_answer"):
    """The course's example `name`'s answer to `cell`."""
    sub = parse(ROOT / "autograder" / "examples" / assignment / f"{name}.py", assignment, name)
    return next(body for op, gid, _, body in sub.edits if op == "answer" and gid == cell)


def stub(assignment=A, cell="conv1d_answer"):
    return similarity.released_stubs(ROOT, assignment)[cell]


def hand_in(root, student, answers, assignment=A, folder="autograded"):
    """The released notebook with `answers` ({grade_id: source}) as `student`'s, in `folder`/ at `root`."""
    nb = json.loads((ROOT / "notebooks" / assignment / f"{assignment}.ipynb").read_text())
    for c in nb["cells"]:
        gid = c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in answers:
            c["source"] = answers[gid]
    path = root / folder / student / assignment / f"{assignment}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb))
    return path


def test_names_comments_and_layout_do_not_hide_a_copy():
    pairs = similarity.similar_pairs({"sam": OWN, "kim": RETYPED}, stub(), [], cell="conv1d_answer")
    assert [(p.a, p.b) for p in pairs] == [("kim", "sam")]
    p = pairs[0]
    assert min(p.share_a, p.share_b) >= 0.9, p       # `import numpy as xp`: an import's name is kept
    assert p.tokens >= similarity.MIN_TOKENS
    assert p.spans_a and p.spans_b and all(0 <= s < e <= len(p.text_a) for s, e in p.spans_a)


@pytest.mark.parametrize("assignment", ["01_channels_kernel", "02_stride", "03_padding", "05_groups",
                                        "07_capstone"])
def test_independent_correct_answers_score_low(assignment):
    """ada (plain loops) and grace (sliding windows, einsum) solved each notebook on their own: with the stub
    left out they share little, and no pair is flagged at the report's threshold."""
    answers = {"ada": example("ada", assignment), "grace": example("grace", assignment)}
    everything = similarity.similar_pairs(answers, stub(assignment), [], threshold=0.0)
    assert all(p.score < 0.5 for p in everything), everything
    assert similarity.similar_pairs(answers, stub(assignment), []) == []


def test_the_stub_alone_makes_no_pair():
    blank = stub()
    filled = blank.replace("        # YOUR CODE HERE\n        raise NotImplementedError()\n",
                           "        self.bias = None\n", 1)
    assert filled != blank
    answers = {"s1": blank, "s2": blank, "s3": filled, "s4": filled}
    assert similarity.similar_pairs(answers, blank, [], threshold=0.0) == []
    # without the stub left out, the same hand-ins are a "pair": what the exclusion is for
    assert similarity.similar_pairs(answers, "", [], threshold=0.9)


def test_course_root_finds_the_copy_and_leaves_the_examples_out(tmp_path):
    """find() at a course root: the released stub and the course's examples are boilerplate, so the students
    who handed in the examples (or the blank notebook) are never paired, and the copy is."""
    hand_in(tmp_path, "sam", {"conv1d_answer": OWN, "predict_answer": "predicted_shape = (4, 8, 28)\n"})
    hand_in(tmp_path, "kim", {"conv1d_answer": RETYPED, "predict_answer": "predicted_shape = (4, 8, 28)\n"})
    for name in ("ada", "alan", "grace"):
        hand_in(tmp_path, f"{name}1", {"conv1d_answer": example(name)})
        hand_in(tmp_path, f"{name}2", {"conv1d_answer": example(name).replace("    ", "  ")})   # a copy of a copy
    hand_in(tmp_path, "blank1", {})
    hand_in(tmp_path, "blank2", {})
    hand_in(tmp_path, "late", {"conv1d_answer": OWN}, folder="submitted")      # not autograded: not read
    found = similarity.find(tmp_path, A)
    assert [(p.cell, p.a, p.b) for p in found.pairs] == [("conv1d_answer", "kim", "sam")]
    assert found.compared == {"conv1d_answer": 10, "predict_answer": 10}
    assert found.notes == []
    section = similarity.html_section(found)
    assert "Similar answers" in section and "kim" in section and "<mark>" in section
    out = similarity.write_csv([found], tmp_path / "similar-answers.csv")
    rows = list(csv.reader(out.open()))
    assert rows[0] == similarity.CSV_HEADER and rows[1][:4] == [A, "conv1d_answer", "kim", "sam"]
    assert float(rows[1][4]) >= 0.9
    submitted = similarity.find(tmp_path, A, source="submitted")
    assert submitted.pairs == [] and submitted.compared == {"conv1d_answer": 1, "predict_answer": 1}


def test_nothing_found_says_so(tmp_path):
    hand_in(tmp_path, "ada", {"conv1d_answer": example("ada")})
    found = similarity.find(tmp_path, A)
    assert found.pairs == []
    assert "No pair found" in similarity.html_section(found)
    assert similarity.find(tmp_path / "nowhere", A).compared == {}


def test_hostile_text_is_escaped_and_neutralised(tmp_path):
    evil_id = "<img src=x onerror=alert(1)>"
    formula_id = '=HYPERLINK("http://evil.example","click")'
    script = "\n# </pre></details><script>alert('x')</script>\n"
    answers = {evil_id: OWN + script, formula_id: RETYPED + script, "@SUM(1+1)": OWN.replace("np", "q") + script}
    notes = []
    pairs = similarity.similar_pairs(answers, stub(), [], notes=notes, max_students=2)
    assert len(pairs) == 1 and {pairs[0].a, pairs[0].b} == {evil_id, formula_id}
    assert notes and "@SUM" in notes[0]                                        # over the cap, named
    found = similarity.Findings(A, pairs=pairs, notes=notes + ["</li><script>x</script>"])
    page = similarity.html_section(found)
    assert "<script" not in page and "<img" not in page and "</details><script" not in page
    assert "&lt;script&gt;" in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    rows = list(csv.reader(similarity.write_csv([found], tmp_path / "s.csv").open()))
    assert rows[1][2:4] == ["'" + formula_id, evil_id] or rows[1][2:4] == [evil_id, "'" + formula_id]
    # a student id from the folder name is escaped too
    hand_in(tmp_path, evil_id, {"conv1d_answer": OWN + script})
    hand_in(tmp_path, "kim", {"conv1d_answer": RETYPED})
    page = similarity.html_section(similarity.find(tmp_path, A))
    assert "<img" not in page and "<script" not in page and "onerror=alert(1)&gt;" in page


def test_a_huge_answer_is_cut_and_fast(tmp_path):
    huge = OWN + "".join(f"v{i} = w{i} * {i} + u{i}[{i % 7}]  # padding\n" for i in range(400_000))   # ~14 MB
    hand_in(tmp_path, "big", {"conv1d_answer": huge})
    lines = [line + "\n" for line in huge.splitlines()]
    path = hand_in(tmp_path, "lines", {"conv1d_answer": "placeholder"})      # source as a list of lines, as Jupyter
    nb = json.loads(path.read_text())
    next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "conv1d_answer")["source"] \
        = lines
    path.write_text(json.dumps(nb))
    hand_in(tmp_path, "kim", {"conv1d_answer": RETYPED})
    answers = similarity.read_answers(tmp_path, A)["conv1d_answer"]
    assert all(len(t) <= similarity.MAX_ANSWER_CHARS + 1 for t in answers.values())
    start = time.perf_counter()
    found = similarity.find(tmp_path, A)
    assert time.perf_counter() - start < 20
    assert sorted(n.split("'")[0] for n in found.notes) == ["conv1d_answer: big", "conv1d_answer: lines"]
    assert all(len(p.text_a) <= similarity.MAX_ANSWER_CHARS and len(p.text_b) <= similarity.MAX_ANSWER_CHARS
               for p in found.pairs)
    # the copy at the start of the huge answers is still seen, from the part kept
    assert ("big", "lines") in {(p.a, p.b) for p in found.pairs}


def test_unreadable_notebooks_are_noted_and_the_rest_compared(tmp_path):
    hand_in(tmp_path, "sam", {"conv1d_answer": OWN})
    hand_in(tmp_path, "kim", {"conv1d_answer": RETYPED})
    bad = tmp_path / "autograded" / "broken" / A / f"{A}.ipynb"
    bad.parent.mkdir(parents=True)
    bad.write_text("{not json")
    link = tmp_path / "autograded" / "linker" / A / f"{A}.ipynb"
    link.parent.mkdir(parents=True)
    link.symlink_to(tmp_path / "autograded" / "sam" / A / f"{A}.ipynb")
    odd = tmp_path / "autograded" / "odd" / A / f"{A}.ipynb"
    odd.parent.mkdir(parents=True)
    odd.write_text(json.dumps({"cells": [{"cell_type": "code", "source": [1, 2],
                                          "metadata": {"nbgrader": {"solution": True, "grade_id": "conv1d_answer"}}},
                                         "not a cell", {"cell_type": "code", "metadata": []}]}))
    undecodable = os.fsencode(tmp_path / "autograded") + b"/bad\xff\n"     # not UTF-8, and a newline
    os.makedirs(undecodable + os.fsencode(f"/{A}"))
    (tmp_path / "autograded" / os.fsdecode(undecodable).rsplit("/", 1)[1] / A / f"{A}.ipynb").write_text(
        (tmp_path / "autograded" / "kim" / A / f"{A}.ipynb").read_text())
    found = similarity.find(tmp_path, A)
    assert [(p.a, p.b) for p in found.pairs] == [("kim", "sam")]
    assert len(found.notes) == 3, found.notes
    assert [n.split(":")[0] for n in found.notes] == [f"{A}/bad\\udcff\\n", f"{A}/broken", f"{A}/linker"]
    assert all(n.isprintable() for n in found.notes)


def test_shares_are_copydetects_own():
    """similarity._overlaps counts every pair at once; copydetect's compare_files, pair by pair, gives the same
    shared characters and shares, on every ordered pair of the course's examples and of the retyped copy."""
    import itertools

    from copydetect import compare_files
    checked = 0
    for assignment in ("01_channels_kernel", "03_padding", "07_capstone", "08_backward"):
        texts = {name: example(name, assignment) for name in ("ada", "alan", "grace")}
        if assignment == A:
            texts.update(sam=OWN, kim=RETYPED)
        boilerplate = frozenset(similarity._fingerprint(stub(assignment)).hashes)
        prints = {s: similarity._fingerprint(t, boilerplate) for s, t in texts.items()}
        overlap = similarity._overlaps({s: similarity._positions(fp) for s, fp in prints.items()}, similarity.NOISE)
        for a, b in itertools.permutations(prints, 2):
            tokens, (share_a, _), _ = compare_files(prints[a], prints[b])
            assert overlap.get((a, b), 0) == tokens, (assignment, a, b)
            assert overlap.get((a, b), 0) / prints[a].token_coverage == pytest.approx(share_a, abs=1e-12)
            checked += 1
    assert checked == 38


def test_the_pairs_shown_get_their_shared_parts():
    answers = {f"s{i}": OWN.replace("x", f"x{i}") for i in range(5)}
    pairs = similarity.similar_pairs(answers, stub(), [], max_spans=3)
    assert len(pairs) == 10 and all(p.spans_a and p.spans_b for p in pairs[:3])
    assert not any(p.spans_a or p.spans_b for p in pairs[3:])
    assert all(p.text_a and p.text_b for p in pairs)


def test_scores_do_not_depend_on_the_hash_seed():
    """Every fingerprint is kept (window 1), so Python's per-process string hashing changes no score: a process
    with another hash seed finds the same shares as this one."""
    answers = {"ada": example("ada"), "grace": example("grace"), "sam": OWN, "kim": RETYPED}
    code = ("import json, sys\nfrom autograder.classroom import similarity\nanswers, stub = json.load(sys.stdin)\n"
            "print(json.dumps([[p.a, p.b, p.share_a, p.share_b] for p in "
            "similarity.similar_pairs(answers, stub, [], threshold=0.0)]))\n")
    here = [[p.a, p.b, p.share_a, p.share_b] for p in similarity.similar_pairs(answers, stub(), [], threshold=0.0)]
    seed = str(hash("seed") % 1000 + 1)          # a fixed seed, another than this process's (random or set)
    there = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                           input=json.dumps([answers, stub()]), env=dict(os.environ, PYTHONHASHSEED=seed)).stdout
    assert len(here) == 6 and json.loads(there) == here


def test_it_never_touches_grades(tmp_path):
    """No gradebook, no nbgrader, no grade file: the module imports none, and a run at a course root changes
    no file there."""
    tree = ast.parse((ROOT / "autograder" / "classroom" / "similarity.py").read_text())
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not {m for m in imported if m.split(".")[0] in ("nbgrader", "sqlalchemy", "sqlite3")
                or "gradebook" in m or "export" in m or "grade" == m.split(".")[-1]}, imported
    hand_in(tmp_path, "sam", {"conv1d_answer": OWN})
    hand_in(tmp_path, "kim", {"conv1d_answer": RETYPED})
    (tmp_path / "gradebook.db").write_bytes(b"SQLite format 3\0 not really")
    (tmp_path / "grades.csv").write_text("assignment,student_id,score\n01_channels_kernel,sam,5\n")

    def snapshot():
        return {str(p.relative_to(tmp_path)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
                for p in tmp_path.rglob("*") if p.is_file()}
    before = snapshot()
    found = similarity.find(tmp_path, A)
    similarity.html_section(found)
    assert found.pairs and snapshot() == before
