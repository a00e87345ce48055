"""Runs as the process of `python -m autograder COMMAND`: it imports the command's module and runs its main().

python -m autograder COMMAND ...

  gradebook [ASSIGNMENT ...]           put the notebooks (points, tests) into nbgrader's gradebook
                                       (autograder/classroom/gradebook.py)
  grade ASSIGNMENT ... [--jobs N | --scheduler ADDRESS]
                                       grade a class on Dask, local or a cluster (autograder/classroom/grade.py)
  report [ASSIGNMENT ...]              the class report: scores, test cells, misconceptions
                                       (autograder/classroom/report.py)
  export canvas|moodle|csv             grades for an LMS, from nbgrader's gradebook
                                       (autograder/classroom/lms.py)
  export gradescope ASSIGNMENT ... [--out DIR]
                                       one Gradescope autograder zip per notebook
                                       (autograder/gradescope/export.py)
  extension ASSIGNMENT STUDENT --days N
                                       a student's extension of the due date (autograder/classroom/late.py)
"""
import sys

USAGE = __doc__.split("\n\n", 1)[1]      # the docstring but its first line (which says where this runs)
COMMANDS = {"grade": "autograder.classroom.grade", "gradebook": "autograder.classroom.gradebook",
            "report": "autograder.classroom.report", "export": "autograder.classroom.lms",
            "extension": "autograder.classroom.late"}
SUBCOMMANDS = {("export", "gradescope"): "autograder.gradescope.export"}     # before their command's module


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        print(USAGE, file=sys.stderr)
        return 2
    import importlib
    if tuple(argv[:2]) in SUBCOMMANDS:
        return importlib.import_module(SUBCOMMANDS[tuple(argv[:2])]).main(argv[2:])
    return importlib.import_module(COMMANDS[argv[0]]).main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
