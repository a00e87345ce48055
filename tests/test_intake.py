"""The intake check of a submission folder (autograder/sandbox/intake.py): what it refuses before anything
parses it. Unit tests; the end-to-end ones (links, FIFOs, huge files with real nbgrader) are in
tests/test_autograde_own_course.py."""
import json
import time

import nbformat
import pytest

from autograder.sandbox import intake

pytestmark = pytest.mark.fast        # make test-fast (pytest.ini)


def folder_with(tmp_path, nb):
    folder = tmp_path / "submitted" / "s" / "a"
    folder.mkdir(parents=True)
    (folder / "a.ipynb").write_text(json.dumps(nb))       # as a student's editor could, unvalidated
    return folder


def test_a_notebook_of_very_many_cells_is_refused_before_it_is_parsed(tmp_path):
    """200,000 tiny cells in 28 MiB would cost nbformat ~6 s and ~800 MiB; far fewer (MAX_CELLS + 1) are
    refused by counting bytes, in milliseconds, saying why."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x") for _ in range(intake.MAX_CELLS + 1)])
    folder = folder_with(tmp_path, nb)
    start = time.process_time()
    with pytest.raises(intake.Rejected, match=f"more than {intake.MAX_CELLS} cells"):
        intake.check_folder(folder)
    assert time.process_time() - start < 1.0


def test_many_outputs_are_refused_and_text_that_names_cells_is_not_counted(tmp_path):
    many = nbformat.v4.new_code_cell("print(1)")
    many.outputs = [{"output_type": "stream", "name": "stdout", "text": "1\n"}] * (intake.MAX_OUTPUTS + 1)
    with pytest.raises(intake.Rejected, match=f"more than {intake.MAX_OUTPUTS} outputs"):
        intake.check_folder(folder_with(tmp_path / "many", nbformat.v4.new_notebook(cells=[many])))
    talk = nbformat.v4.new_markdown_cell('{"cell_type": "code", "output_type": "stream"}\n' * 5000)
    talking = nbformat.v4.new_notebook(cells=[talk])
    assert intake.check_folder(folder_with(tmp_path / "talk", talking)) == ["s/a/a.ipynb"]


def test_escaped_keys_are_counted_too(tmp_path):
    """JSON reads `"\\u0063ell_type"` as "cell_type": a notebook that spells its keys so is counted as parsed,
    not as its bytes read."""
    cell = '{"\\u0063ell_type": "code", "metadata": {}, "source": "x", "outputs": [], "execution_count": null}'
    text = ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": ['
            + ", ".join([cell] * (intake.MAX_CELLS + 1)) + "]}")
    folder = tmp_path / "submitted" / "s" / "a"
    folder.mkdir(parents=True)
    (folder / "a.ipynb").write_text(text)
    with pytest.raises(intake.Rejected, match=f"more than {intake.MAX_CELLS} cells"):
        intake.check_folder(folder)


def test_a_hand_in_of_many_empty_lists_is_refused_before_it_is_parsed(tmp_path):
    """Lists reach no object hook: `[],` repeated (20 MiB of it would cost ~400 MB to parse) is refused by
    counting brackets in the bytes, while a notebook whose code is full of brackets is not."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    nb.metadata["x"] = [[] for _ in range(intake.MAX_JSON_CONTAINERS + 1)]
    start = time.process_time()
    with pytest.raises(intake.Rejected, match="JSON objects and lists"):
        intake.check_folder(folder_with(tmp_path / "lists", nb))
    assert time.process_time() - start < 1.0
    code = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("y = [x[i][0] for i in range(3)]\n" * 5000)])
    assert intake.check_folder(folder_with(tmp_path / "code", code)) == ["s/a/a.ipynb"]


def test_a_notebook_read_for_the_report_is_bounded_in_what_parsing_it_costs(tmp_path):
    """The class report and the similarity view parse a student's notebook whole (intake.read_notebook):
    `{},` repeated would cost ~25 times its bytes in memory, so containers are counted in the bytes first."""
    path = tmp_path / "a.ipynb"
    path.write_text('{"cells": [], "metadata": {"x": [' + "{}," * (intake.MAX_JSON_CONTAINERS + 1) + "{}]}}")
    with pytest.raises(intake.Rejected, match="JSON objects and lists"):
        intake.read_notebook(path, 64 * 1024 ** 2)
    path.write_text(json.dumps(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = [{}]")])))
    assert intake.read_notebook(path)["cells"][0]["source"] == "x = [{}]"
