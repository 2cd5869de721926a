"""Every script runs as `python scripts/X.py` from a clone that was never `pip install`-ed."""

from __future__ import annotations

import importlib
import os
import re
import site
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# every file in scripts/ is an entry point, so that a new script is covered without listing it
SCRIPTS = sorted(p.name for p in (REPO / "scripts").glob("*.py") if p.name != "__init__.py")


def _bare_python(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run Python with the third-party packages but without this project's installation.

    ``-S`` skips site-packages' ``.pth`` files, which is where an editable install lives; the
    site-packages directories themselves are put back through ``PYTHONPATH``.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = os.pathsep.join(site.getsitepackages())
    return subprocess.run(
        [sys.executable, "-S", *args], cwd=cwd, env=env, capture_output=True, text=True
    )


def _console_scripts() -> dict[str, str]:
    """pyproject.toml's ``[project.scripts]`` table: name -> ``module:function``."""
    text = (REPO / "pyproject.toml").read_text().split("[project.scripts]", 1)[1]
    table = text.split("\n[", 1)[0]
    return dict(re.findall(r'^([\w-]+) = "([\w.:]+)"$', table, re.M))


def test_every_console_script_is_covered():
    assert {"sr_export.py", "sr_eval.py", "vdsr.py", "neural_style.py"} <= set(SCRIPTS)
    entries = _console_scripts()
    # one console script per runnable file, each pointing into a task package (no installed
    # package named `scripts`) at a function that exists
    assert sorted(name.replace("-", "_") + ".py" for name in entries) == SCRIPTS
    for target in entries.values():
        module, function = target.split(":")
        assert module.split(".")[0] in {"deepdream", "style_transfer", "sr"}, target
        assert callable(getattr(importlib.import_module(module), function)), target


def test_bare_python_does_not_see_the_installed_project(tmp_path):
    """Guards the test below: the project must not be importable without the script's help."""
    result = _bare_python(["-c", "import imaging"], tmp_path)
    assert result.returncode != 0
    assert "No module named 'imaging'" in result.stderr


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_runs_from_an_uninstalled_clone(tmp_path, script):
    result = _bare_python([str(REPO / "scripts" / script), "--help"], tmp_path)
    assert result.returncode == 0, result.stderr[-500:]
    assert result.stdout.startswith("usage:")


def test_readme_gives_two_commands_and_ci_runs_the_second():
    """README's "Two commands" block: one to set up and run, one to set up and test (= CI)."""
    readme = (REPO / "README.md").read_text()
    block = readme.split("## Two commands", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    commands = [c for c in block.splitlines() if c.strip() and not c.startswith("#")]
    assert len(commands) == 2, commands
    assert all(c.startswith("pip install -e ") for c in commands), commands
    ci_command = (REPO / ".ci/run").read_text().strip().splitlines()[-1]
    assert ci_command == commands[1]
