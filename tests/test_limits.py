"""The limits of grading (autograder/limits.py): the memory limits are traitlets, configurable like the time
limits, and each value reaches the process that applies it: the kernel on its command line (Execute ->
confine.kernel_main), the judge's answer processes when their sandbox starts (Zygote -> confine)."""
import json
import resource
import subprocess
import sys

import pytest
from traitlets.config import Config

from autograder import limits
from autograder.limits import Confinement, MemoryLimits
from autograder.sandbox import confine

GiB, MiB = 1024 ** 3, 1024 ** 2


@pytest.mark.fast
def test_memory_limits_are_traitlets_with_the_courses_defaults():
    m = MemoryLimits()
    assert m.kernel() == Confinement({"RLIMIT_AS": 8 * GiB, "RLIMIT_FSIZE": 256 * MiB, "RLIMIT_CORE": 0}, 512 * MiB)
    assert m.answer() == Confinement({"RLIMIT_AS": 3 * GiB, "RLIMIT_FSIZE": 64 * MiB, "RLIMIT_CORE": 0,
                                      "RLIMIT_NOFILE": limits.ANSWER_OPEN_FILES}, 256 * MiB)
    configured = MemoryLimits(config=Config({"MemoryLimits": {"kernel_memory_bytes": 2 * GiB,
                                                              "answer_folder_bytes": 32 * MiB}}))
    assert configured.kernel().rlimits["RLIMIT_AS"] == 2 * GiB and configured.answer().folder_bytes == 32 * MiB
    for name in ("kernel_memory_bytes", "kernel_file_bytes", "kernel_folder_bytes", "socket_folder_bytes",
                 "answer_memory_bytes", "answer_file_bytes", "answer_folder_bytes"):
        assert MemoryLimits.class_traits()[name].metadata.get("config"), name


@pytest.mark.fast
def test_an_lms_downloads_limits_are_set_under_the_extractors_name():
    """zip_collect's extractor takes its limits from limits.DownloadLimits; `c.LmsExtractor.<limit>` sets them."""
    from autograder.classroom.unpack import LmsExtractor
    ex = LmsExtractor()
    assert (ex.max_file_bytes, ex.max_student_files, ex.max_student_bytes, ex.max_download_files,
            ex.max_download_bytes) == (limits.MAX_FILE, limits.MAX_FILES, limits.MAX_TOTAL, 100_000, 2 * GiB)
    configured = LmsExtractor(config=Config({"LmsExtractor": {"max_download_bytes": 5 * MiB,
                                                              "max_student_files": 3}}))
    assert (configured.max_download_bytes, configured.max_student_files) == (5 * MiB, 3)
    for name in limits.DownloadLimits.class_own_traits(config=True):
        assert LmsExtractor.class_traits()[name].metadata.get("config"), name


@pytest.mark.fast
def test_the_kernels_limits_travel_from_the_config_to_the_kernels_command_line():
    """Execute (in the grading process) reads MemoryLimits from nbgrader's config and appends them to the
    kernel's command line; confine.kernel_main (the kernelspec's command) reads them back, and leaves the
    rest of the command line to ipykernel."""
    from autograder.preprocessors.execute import Execute
    ex = Execute(config=Config({"MemoryLimits": {"kernel_memory_bytes": 5 * GiB, "kernel_folder_bytes": 64 * MiB}}))
    args = ex.kernel_arguments()
    ex.extra_arguments = args
    assert ex.kernel_arguments() == args            # said once, however often the kernel starts
    rlimits, folder_bytes, rest = confine._kernel_limits(["-f", "kernel.json", *args])
    assert rlimits == {"RLIMIT_AS": 5 * GiB, "RLIMIT_FSIZE": 256 * MiB, "RLIMIT_CORE": 0}
    assert folder_bytes == 64 * MiB
    assert rest == ["-f", "kernel.json"]
    assert confine._kernel_limits(["-f", "kernel.json"]) == (*MemoryLimits().kernel(), ["-f", "kernel.json"])


@pytest.mark.fast
def test_the_answer_processes_limits_are_applied_where_they_start():
    """The judge starts its answer processes with confine.limiter(confinement.rlimits) and tells child.py
    its caps on its command line (autograder/limits.py's ANSWER_CAPS)."""
    rlimits = {"RLIMIT_AS": 2 * GiB, "RLIMIT_FSIZE": 3 * MiB, "RLIMIT_CORE": 0, "RLIMIT_NOFILE": 64}
    out = subprocess.run([sys.executable, "-c", "import resource; print([resource.getrlimit(getattr(resource, n))[0] "
                          f"for n in {sorted(rlimits)!r}])"], preexec_fn=confine.limiter(rlimits),
                         capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [rlimits[n] for n in sorted(rlimits)]
    assert resource.getrlimit(resource.RLIMIT_FSIZE)[0] != 3 * MiB          # the child's, not the grader's
    argv = confine.child_argv("/nowhere", 8 * MiB, limits.ANSWER_CAPS, "zygote")
    assert argv[-2:] == ["zygote", json.dumps(limits.ANSWER_CAPS)]
    if confine.bwrap():
        fd = confine.inherited_fds(argv)[0]
        import os
        os.lseek(fd, 0, os.SEEK_SET)
        assert b"\0--size\0" + str(8 * MiB).encode() + b"\0" in os.read(fd, 1 << 20)
        os.close(fd)


def test_an_answer_process_writes_at_most_its_folders_size():
    """The judge's sandbox as configured: a zygote made with a small folder (MemoryLimits.answer_folder_bytes)
    gives its answer processes a tmpfs of that size."""
    from autograder.sandbox import judge
    if not confine.bwrap():
        pytest.fail("bubblewrap is needed for this test: apt-get install bubblewrap")
    fill = ("written = 0\ntry:\n    with open('fill', 'wb') as f:\n        for _ in range(64):\n"
            "            f.write(b'x' * 2 ** 20)\n            f.flush()\n            written += 1\n"
            "except OSError:\n    pass\n")
    small = MemoryLimits(config=Config({"MemoryLimits": {"answer_folder_bytes": 8 * MiB}})).answer()
    zygote = judge.Zygote(small)
    try:
        verdict = judge.judge_cell("assert 0 < written <= 8, written", [fill], 30, zygote)
        assert verdict.passed, verdict.error
        shared = judge.Zygote.shared(small)
        assert shared.confinement == small
        judge.Zygote.shared(MemoryLimits().answer())            # other limits: a new zygote
        assert judge.Zygote.shared().confinement == MemoryLimits().answer()
    finally:
        zygote.close()
