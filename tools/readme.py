"""The README's generated blocks: `<!-- NAME:start -->` ... `<!-- NAME:end -->`, written by the benchmarks
(`make bench BENCH_ARGS=--readme`, `make bench-grade BENCH_ARGS=--readme`)."""
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def replace_block(name, text, readme=README):
    """Put `text` between README's NAME markers; SystemExit when the markers are missing."""
    old = readme.read_text()
    block = f"<!-- {name}:start -->{text}<!-- {name}:end -->"
    new = re.sub(rf"<!-- {name}:start -->.*?<!-- {name}:end -->", lambda m: block, old, flags=re.S)
    if new == old and block not in old:
        raise SystemExit(f"README.md has no <!-- {name}:start --> ... <!-- {name}:end --> block")
    readme.write_text(new)
