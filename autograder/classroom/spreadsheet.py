"""Runs in every process that writes a CSV file (grade, report, export, nbgrader export): safe cells.

CSV files a spreadsheet opens safely: the one writer of every CSV file the course writes.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel, LibreOffice
and Google Sheets (OWASP, "CSV Injection"): `=HYPERLINK(...)` in a student id, a file name or a message
would run when an instructor opens grades.csv. Such a text cell is written with a leading apostrophe,
which spreadsheets show as text and never evaluate. Numbers stay numbers (a negative score is a number,
not a text cell), and every other cell is written as it is.
"""
import csv

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """`value` as a CSV cell no spreadsheet evaluates: text that starts like a formula gets a leading `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class writer:
    """csv.writer whose rows are written through cell()."""

    def __init__(self, f, **kwargs):
        self._w = csv.writer(f, **kwargs)

    def writerow(self, row):
        return self._w.writerow([cell(v) for v in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


class DictWriter(csv.DictWriter):
    """csv.DictWriter whose values are written through cell() (the header is the course's own)."""

    def writerow(self, rowdict):
        return super().writerow({k: cell(v) for k, v in rowdict.items()})
