"""Runs in the `nbgrader release_feedback` process (formgrader's Release Feedback, in its Jupyter server): feedback out.

nbgrader's own ExchangeReleaseFeedback copies feedback/<student>/<assignment>/*.html into the exchange under
a name made from the submission's secret, submission_secret.txt, which `nbgrader submit` wrote beside the
notebook (with timestamp.txt) and which only the student's own `nbgrader fetch_feedback` can find again. A
submission that did not come through the exchange (collected by hand into submitted/, or by `nbgrader
zip_collect` from a Canvas or Moodle download) has no secret, and often no timestamp.txt, so nbgrader's
command stopped at the first such student with FileNotFoundError and released nobody's feedback.

`ReleaseFeedback` (autograder/nbgrader_config.py: `c.ExchangeFactory.release_feedback`) releases, with
nbgrader's own code, the feedback of every submission that came through the exchange, and names each other
student in one warning line: their feedback is in feedback/ to hand back another way (the LMS). Nothing is
invented for them: a made-up secret would put a page in the exchange that no student can fetch, and a
made-up timestamp.txt would make a submission late (autograder/classroom/late.py reads it).
"""
import glob
import os
import re

from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback

# What nbgrader's submit writes beside each notebook and its release_feedback reads from the feedback folder.
FROM_THE_EXCHANGE = ("timestamp.txt", "submission_secret.txt")


class ReleaseFeedback(ExchangeReleaseFeedback):
    """nbgrader's release_feedback, leaving out (with a warning each) the students whose feedback folder lacks
    what only a submission through the exchange has."""

    def not_from_the_exchange(self):
        """{student: [missing file, ...]} of the feedback folders of this assignment that are not releasable."""
        folder = self.coursedir.format_path(self.coursedir.feedback_directory, "(?P<student_id>.*)",
                                            self.coursedir.assignment_id, escape=True)
        pattern = folder + re.escape(os.sep) + "[^" + re.escape(os.sep) + "]*\\.html"
        out = {}
        for html in sorted(glob.glob(os.path.join(self.src_path, "*.html"))):
            m = re.fullmatch(pattern, html)
            missing = [name for name in FROM_THE_EXCHANGE
                       if not os.path.isfile(os.path.join(os.path.dirname(html), name))]
            if m and missing:
                out[m.group("student_id")] = missing
        return out

    def copy_files(self):
        skipped = self.not_from_the_exchange()
        for student, missing in skipped.items():
            self.log.warning(
                "Not releasing feedback of student '%s' on '%s' through the exchange: the submission did not come "
                "through it (no %s; collected by hand or from an LMS). Hand back %s another way (your LMS).",
                student, self.coursedir.assignment_id, " or ".join(missing),
                self.coursedir.format_path(self.coursedir.feedback_directory, student, self.coursedir.assignment_id))
        if not skipped:
            return super().copy_files()
        before = self.coursedir.student_id_exclude
        self.coursedir.student_id_exclude = ",".join([s for s in before.split(",") if s] + list(skipped))
        try:
            return super().copy_files()
        finally:
            self.coursedir.student_id_exclude = before
