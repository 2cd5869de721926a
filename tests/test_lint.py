"""The code base passes ruff (lint and format), as configured in pyproject.toml.

ruff is a test extra (``pip install -e ".[test]"``): in CI (``CI`` set) a missing ruff fails
this test; elsewhere it skips and says how to install it.
"""

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _ruff() -> list[str]:
    if shutil.which("ruff"):
        return [shutil.which("ruff")]
    if importlib.util.find_spec("ruff") is not None:
        return [sys.executable, "-m", "ruff"]
    message = "ruff is not installed (pip install -e '.[test]')"
    if os.environ.get("CI"):
        pytest.fail(message + " -- CI must lint")
    pytest.skip(message)


@pytest.mark.parametrize("command", [["check", "."], ["format", "--check", "."]])
def test_ruff(command):
    run = subprocess.run([*_ruff(), *command], cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
