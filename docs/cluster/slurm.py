"""Grade on a SLURM cluster: Dask workers as SLURM jobs (dask-jobqueue), the scheduler in this process.

Run on the login node, in the course root, with the course's venv (`make venv` installs dask-jobqueue;
the compute nodes must see the same checkout and venv, e.g. in a shared home; the students' files
travel with the tasks, not through it). The gradebook is built once first (`python -m autograder
gradebook --db-url ...`):

    export CONV1D_GRADING_SECRET='...'
    .venv/bin/python docs/cluster/slurm.py --jobs 10 --queue normal --account cs101 \\
        01_channels_kernel 02_stride --db-url postgresql+psycopg2://grader@db-host/conv1d

Each SLURM job runs 2 worker processes of one thread (2 CPUs, 6 GiB); arguments after the options go
to `python -m autograder grade` unchanged.
"""
import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def slurm_cluster(queue, account=None, walltime="02:00:00"):
    """dask-jobqueue's SLURMCluster whose jobs each run 2 one-thread workers from this course's venv,
    with the course importable (PYTHONPATH). Jobs are submitted by .scale(jobs=N).

    The scheduler listens on the login node's network, where other users are: its connections use TLS
    with credentials made for this run (security=True), written in build/ of the checkout, which the
    compute nodes see; without them nobody can send it work (Dask's messages are pickles: whoever could
    would run code on every worker). Its dashboard, plain HTTP, listens on 127.0.0.1 only (the login
    node's users reach it through `ssh -L 8787:127.0.0.1:8787 login-node`)."""
    from dask_jobqueue import SLURMCluster
    (ROOT / "build").mkdir(exist_ok=True)
    return SLURMCluster(queue=queue, account=account, walltime=walltime, cores=2, processes=2, memory="6GiB",
                        python=sys.executable, job_script_prologue=[f"cd {ROOT}", f"export PYTHONPATH={ROOT}"],
                        security=True, shared_temp_directory=str(ROOT / "build"),
                        scheduler_options={"dashboard_address": "127.0.0.1:8787"})


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 epilog="Other arguments (assignments, --db-url, nbgrader options) go to "
                                        "`python -m autograder grade`.")
    ap.add_argument("--jobs", type=int, default=10, help="SLURM jobs (2 workers each)")
    ap.add_argument("--queue", required=True, help="SLURM partition (#SBATCH -p)")
    ap.add_argument("--account", default=None, help="SLURM account (#SBATCH -A)")
    ap.add_argument("--walltime", default="02:00:00")
    args, grade_args = ap.parse_known_args(argv)
    from autograder.classroom import grade
    with slurm_cluster(args.queue, args.account, args.walltime) as cluster:
        cluster.scale(jobs=args.jobs)
        print(cluster.job_script(), file=sys.stderr)
        return grade.main([*grade_args, "--root", str(ROOT)], scheduler=cluster)


if __name__ == "__main__":
    sys.exit(main())
