"""Print environment.yml (for conda users) from requirements.txt, the one list of pins.

    python tools/make_env.py > environment.yml      (or: make environment.yml)
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pins(path=ROOT / "requirements.txt"):
    """The `name==version` lines of a requirements file, in order."""
    out = []
    for line in Path(path).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            out.append(line)
    return out


def render():
    lines = ["# Generated from requirements.txt by `make environment.yml`; edit that file, not this one.",
             "name: conv1d-course",
             "channels:",
             "  - conda-forge",
             "dependencies:",
             "  - python=3.11",
             "  - pip",
             "  - pip:"]
    lines += [f"      - {p}" for p in pins()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
