"""`python -m autograder grade ASSIGNMENT [--jobs N] [--force] ...`: see autograder/classroom/grade.py."""
import sys

COMMANDS = {"grade": "autograder.classroom.grade"}


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 2
    import importlib
    return importlib.import_module(COMMANDS[argv[0]]).main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
