"""The shared plumbing: lazy TensorFlow in ``imaging``, the precision scope, the config-file
naming rule, atomic writes by path, output checks and flags built from config fields."""

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from common.cli import ArgumentParser, add_config_flags, config_from_args, flag, output_problem
from common.errors import UserError
from common.files import OutputError, atomic_path
from common.runconfig import config_path, write_run_config
from common.seeds import resolve_seed

REPO = Path(__file__).resolve().parents[1]


def test_importing_imaging_does_not_import_tensorflow():
    code = "import sys, imaging; imaging.imresize; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
    code = "import sys, imaging; imaging.imresize_tf; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert out.stdout.strip() == "True", out.stderr


def test_task_packages_import_tensorflow_quietly():
    """Importing a task package first prints nothing: common.quiet loads TensorFlow."""
    for package in ("sr", "deepdream", "style_transfer"):
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                f"import {package}.models" if package == "sr" else f"import {package}",
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            env={k: v for k, v in os.environ.items() if k != "TFIS_TF_VERBOSE"},
        )
        assert out.returncode == 0 and out.stderr == "", (package, out.stderr)


def test_precision_scope_restores_the_policy():
    import keras

    from common.precision import precision_scope

    before = keras.config.dtype_policy().name
    with precision_scope("mixed_bfloat16"):
        layer = keras.layers.Dense(2)
        assert keras.config.dtype_policy().name == "mixed_bfloat16"
    assert keras.config.dtype_policy().name == before
    assert layer.dtype_policy.name == "mixed_bfloat16"
    with pytest.raises(RuntimeError), precision_scope("float32"):
        raise RuntimeError("boom")
    assert keras.config.dtype_policy().name == before
    with pytest.raises(ValueError, match="precision must be one of"), precision_scope("fp8"):
        pass


def test_config_path_rule(tmp_path):
    assert config_path(tmp_path / "dream.png") == tmp_path / "dream.config.json"
    assert config_path(tmp_path / "a.b.jpg") == tmp_path / "a.b.config.json"
    assert config_path(tmp_path) == tmp_path / "config.json"
    assert config_path(tmp_path / "run", folder=True) == tmp_path / "run" / "config.json"
    written = write_run_config(tmp_path / "x.png", {"a": 1}, seed=3)
    assert json.loads(written.read_text()) == {"a": 1, "seed": 3}


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "w.weights.h5"
    target.write_text("old")
    seen = []

    def fail(tmp):
        seen.append(tmp)
        Path(tmp).write_text("half")
        raise RuntimeError("stopped")

    with pytest.raises(RuntimeError):
        atomic_path(target, fail)
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["w.weights.h5"]
    assert seen[0].endswith(".weights.h5")
    atomic_path(target, lambda tmp: Path(tmp).write_text("new"))
    assert target.read_text() == "new" and os.listdir(tmp_path) == ["w.weights.h5"]
    with pytest.raises(OutputError, match="does not exist"):
        atomic_path(tmp_path / "no" / "x.h5", lambda tmp: None)


def test_output_problem(tmp_path):
    assert output_problem(tmp_path / "o.png", image=True) is None
    assert "extension" in output_problem(tmp_path / "o.xyz", what="--output", image=True)
    assert "does not exist" in output_problem(tmp_path / "no" / "o.png")
    (tmp_path / "o.png").write_bytes(b"")
    assert "already exists" in output_problem(tmp_path / "o.png", overwrite=False)
    assert output_problem(tmp_path / "o.png", overwrite=True) is None


@dataclasses.dataclass(frozen=True)
class _Toy:
    rate: float = dataclasses.field(default=0.5, metadata=flag("step size", type=float))
    sizes: tuple[int, ...] = dataclasses.field(
        default=(1, 2), metadata=flag("sizes", type=int, nargs="+")
    )
    fast: bool = dataclasses.field(default=False, metadata=flag("go fast", action="store_true"))
    hidden: int = 7

    def __post_init__(self):
        if self.rate <= 0:
            raise UserError("rate must be > 0")


def test_flags_from_config_fields():
    parser = ArgumentParser(prog="toy")
    add_config_flags(parser, _Toy)
    assert "(default: 0.5)" in parser.format_help() and "(default: 1 2)" in parser.format_help()
    assert "--hidden" not in parser.format_help()
    assert config_from_args(parser, _Toy, parser.parse_args([])) == _Toy()
    args = parser.parse_args(["--rate", "2", "--sizes", "3", "4", "--fast"])
    assert config_from_args(parser, _Toy, args, hidden=1) == _Toy(2.0, (3, 4), True, 1)
    with pytest.raises(SystemExit) as stop:
        config_from_args(parser, _Toy, parser.parse_args(["--rate", "-1"]))
    assert stop.value.code == 2


def test_resolve_seed():
    assert resolve_seed(5) == 5
    drawn = {resolve_seed(None) for _ in range(4)}
    assert len(drawn) > 1 and all(0 <= s < 2**31 for s in drawn)
