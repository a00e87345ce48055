"""environment.yml and the pip requirements say the same thing."""
import pytest
import yaml

from tests.conftest import ROOT
from tools.make_env import pins, render

pytestmark = pytest.mark.fast        # make test-fast (pytest.ini)


def test_environment_yml_is_generated_from_requirements():
    assert (ROOT / "environment.yml").read_text() == render(), "run `make environment.yml`"


def test_environment_yml_pins_match_requirements():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip == pins()
    names = {p.split("==")[0].lower() for p in pins()}
    assert {"torch", "nbgrader", "jupyterlab", "numpy", "matplotlib", "ipykernel"} <= names
    assert all("==" in p for p in pins()), "every requirement is pinned"
    assert "torch==2.13.0" in pins(), "torch stays pinned to the CPU wheel on this machine"


def test_lock_agrees_with_direct_pins():
    lock = dict(line.split("==") for line in pins(ROOT / "constraints.txt"))
    lock = {k.lower().replace("_", "-"): v for k, v in lock.items()}
    for p in pins(ROOT / "requirements-dev.txt") + pins():
        name, version = p.split("==")
        assert lock.get(name.lower().replace("_", "-")) == version, f"constraints.txt disagrees on {name}"
