"""What counts as "the same output" for committed solutions (autograder/build/outputs.py): float noise
from another CPU or BLAS kernel is the same lesson; a changed word, shape or value is not."""
import copy
import io

import nbformat
import numpy as np
import pytest
from matplotlib.figure import Figure

from autograder.build.outputs import keep_unchanged, same_outputs, same_png, same_text

pytestmark = pytest.mark.fast        # make test-fast (pytest.ini)


@pytest.mark.parametrize("a, b", [
    ("largest difference: 0.0\n", "largest difference: 5.960464477539063e-08\n"),       # issue 12, 05_groups
    ("-0.16819045 == output[0, 0, 0] = -0.16819043457508087", "-0.16819046 == output[0, 0, 0] = -0.1681904345750809"),
    ("by hand 0.1235 torch 0.1235", "by hand 0.1234 torch 0.1235"),       # a 4-decimal rounding flip
    ("[[ 0.  -0.77]\n [ 0.   0.36]]", "[[-0.  -0.77]\n [ 0.   0.36]]"),      # a flipped sign of zero moves the padding
    ("tensor([-7.7473e-01,  7.9261e-01])", "tensor([-7.7473e-01,  7.9262e-01])"),
])
def test_float_noise_reads_the_same(a, b):
    assert same_text(a, b) and same_text(b, a)


@pytest.mark.parametrize("a, b", [
    ("output shape (2, 3, 5)", "output shape (2, 3, 6)"),           # integers are exact
    ("by hand 0.1235 torch 0.1235", "by hand 0.1237 torch 0.1235"),     # two units of the last digit
    ("largest difference: 0.0", "largest difference: 0.001"),
    ("kernel flipped: True", "kernel flipped: False"),
    ("-0.16819045", "-0.16829045"),
    ("1.5e-03", "1.5e-02"),
    ("a 0.5", "a 0.5 0.5"),
])
def test_real_changes_do_not(a, b):
    assert not same_text(a, b) and not same_text(b, a)


def png(y, dpi=50):
    fig = Figure(figsize=(4, 3), dpi=dpi)
    fig.add_subplot().plot(y)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def test_a_plot_of_noisy_data_is_the_same_picture_and_another_plot_is_not():
    y = np.sin(np.linspace(0, 6, 200))
    assert same_png(png(y), png(y + 1e-7))
    assert not same_png(png(y), png(np.cos(np.linspace(0, 6, 200))))
    assert not same_png(png(y), png(y, dpi=60))        # another size


def code_cell(text, volatile=False):
    cell = nbformat.v4.new_code_cell("print(x)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    if volatile:
        cell.metadata["course"] = {"volatile": True}
    return cell


def test_release_keeps_committed_outputs_that_show_the_same():
    committed = nbformat.v4.new_notebook(cells=[code_cell("difference 0.0\n"), code_cell("shape (2, 3)\n"),
                                                code_cell("12.1 ms\n", volatile=True)])
    fresh = copy.deepcopy(committed)
    fresh.cells[0].outputs[0].text = "difference 5.96e-08\n"       # noise: the committed text stays
    fresh.cells[1].outputs[0].text = "shape (2, 4)\n"              # a real change: the fresh text is written
    fresh.cells[2].outputs[0].text = "9.7 ms\n"                    # timings: the same words, kept
    assert not same_outputs(fresh.cells[1], committed.cells[1])
    assert keep_unchanged(fresh, copy.deepcopy(committed)) == 1
    assert [c.outputs[0].text for c in fresh.cells] == ["difference 0.0\n", "shape (2, 4)\n", "12.1 ms\n"]
    timing = copy.deepcopy(committed.cells[2])
    timing.outputs[0].text = "12.1 ms on (1, 32, 8192)\n"       # a timing of something else: not the same
    assert not same_outputs(timing, committed.cells[2])
    # an edited cell source always gets its fresh outputs
    fresh.cells[0].source = "print(y)"
    fresh.cells[0].outputs[0].text = "difference 5.96e-08\n"
    assert keep_unchanged(fresh, committed) == 2 and fresh.cells[0].outputs[0].text == "difference 5.96e-08\n"
