"""Runs in the grading process (nbgrader autograde, a worker's grading process) as nbgrader's late-penalty plugin,
and as `python -m autograder.classroom.late`: late work.

nbgrader decides how late a submission is: the time in its `timestamp.txt` (written by `nbgrader submit` and
`nbgrader collect`) past the assignment's due date in the gradebook (`nbgrader db assignment add ID
--duedate=...`), plus the student's extension there (the submission's `extension`, nbgrader's
Gradebook.grant_extension). Its AssignLatePenalties preprocessor (last but one of autograde) then asks the
plugin `c.AssignLatePenalties.plugin_class` for each notebook's penalty, in points, and keeps it in the
gradebook next to the score; `nbgrader export` (grades.csv), the LMS exports and the feedback take it off.

LatePenalty is the course's plugin (set in autograder/nbgrader_config.py): a share of the notebook's score per
day late, each day started counting, after a grace period, up to a cap. Its default takes nothing off.

The command grants an extension (nbgrader has the gradebook field but no command for it):

    python -m autograder.classroom.late 01_channels_kernel ann --days 2      # ann's due date moves by 2 days
    python -m autograder.classroom.late 01_channels_kernel ann --remove      # back to the assignment's

It writes the gradebook of the course root (--root, default here) or --db-url. A student without a submission
yet gets an empty one, which nbgrader's autograde fills in; a submission already graded keeps its penalty
until it is graded again (`nbgrader autograde ID --student ann --force`).
"""
import argparse
import math
import sys

from nbgrader.plugins import BasePlugin
from traitlets import Float

DAY = 24 * 3600


class LatePenalty(BasePlugin):
    """A share of the notebook's score off for each day (24 h) late, a day started counting as a whole one:
    with share_per_day 0.1, a notebook 1 minute to 24 h late loses 10% of its score, 24 h to 48 h 20%, up to
    max_share. Lateness counts from the due date plus the student's extension plus grace_minutes."""

    share_per_day = Float(0.0, min=0.0, max=1.0,
                          help="Share of the notebook's score taken off per day late (0.1: 10% a day); "
                               "0 takes nothing off").tag(config=True)
    grace_minutes = Float(0.0, min=0.0,
                          help="Minutes past the due date (and extension) not counted as late").tag(config=True)
    max_share = Float(1.0, min=0.0, max=1.0,
                      help="The largest share of the score taken off (1: all of it)").tag(config=True)

    def share(self, seconds_late):
        """The share of the score taken off a notebook handed in `seconds_late` past its due date."""
        late = seconds_late - 60 * self.grace_minutes
        if late <= 0:
            return 0.0
        return round(min(self.max_share, self.share_per_day * math.ceil(late / DAY)), 6)

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        """nbgrader's plugin call: the penalty in points, None for none."""
        share = self.share(total_seconds_late)
        if not share or not score:
            return None
        penalty = round(share * score, 6)
        self.log.info("%s is %.1f h late: %g%% of %g points off (%g)", student_id, total_seconds_late / 3600,
                      100 * share, score, penalty)
        return penalty


def grant(db_url, assignment, student, hours, course_id="conv1d"):
    """Give `student` an extension of `hours` on `assignment` in the gradebook at `db_url` (0: none). Returns
    (the assignment's due date, the student's, whether the submission was made here)."""
    from nbgrader.api import Gradebook, MissingEntry
    with Gradebook(db_url, course_id) as gb:
        gb.find_assignment(assignment)                  # MissingEntry: the caller says what to run
        try:
            gb.find_student(student)
        except MissingEntry:
            gb.add_student(student)
        try:
            gb.find_submission(assignment, student)
            made = False
        except MissingEntry:
            gb.add_submission(assignment, student)
            made = True
        gb.grant_extension(assignment, student, hours=hours)
        submission = gb.find_submission(assignment, student)
        return submission.assignment.duedate, submission.duedate, made


def when(t):
    """A due date from the gradebook, which keeps them in UTC without a zone."""
    return f"{t} UTC" if t else "never"


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m autograder extension",
                                 description="Grant a student an extension of an assignment's due date in nbgrader's "
                                             "gradebook (it replaces an earlier one).")
    ap.add_argument("assignment")
    ap.add_argument("student")
    ap.add_argument("--days", type=float, default=0.0)
    ap.add_argument("--hours", type=float, default=0.0)
    ap.add_argument("--remove", action="store_true", help="take the student's extension away")
    ap.add_argument("--root", default=".", help="the course root (default: here)")
    ap.add_argument("--db-url", default=None, help="nbgrader's gradebook URL (default: the course root's)")
    args = ap.parse_args(argv)
    hours = 24 * args.days + args.hours
    if args.remove == (hours > 0) or hours < 0:
        ap.error("give --days or --hours (more than 0), or --remove")
    from nbgrader.api import MissingEntry
    from nbgrader.coursedir import CourseDirectory

    from .courseroot import course_config
    coursedir = CourseDirectory(config=course_config(args.root), root=str(args.root))
    try:
        due, theirs, made = grant(args.db_url or coursedir.db_url, args.assignment, args.student,
                                  0 if args.remove else hours, coursedir.course_id)
    except MissingEntry:
        print(f"no assignment {args.assignment!r} in the gradebook: run `python -m autograder gradebook` first",
              file=sys.stderr)
        return 1
    if due is None:
        print(f"{args.assignment} has no due date, so nothing is late: `nbgrader db assignment add {args.assignment}"
              " --duedate='2026-10-01 23:59 Europe/Berlin'` sets one", file=sys.stderr)
    print(f"{args.student}: {args.assignment} due {when(theirs)} (the class: {when(due)})"
          + ("; an empty submission was made, filled in when it is graded" if made else
             "; already handed in: grade it again (nbgrader autograde ... --force) for the penalty to follow"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
