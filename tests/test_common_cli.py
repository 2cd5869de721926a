"""The command-line helpers every script shares: flag types, one-line errors, run configs."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import pytest

from common.cli import (
    ArgumentParser,
    DefaultsHelpFormatter,
    nonneg_float,
    positive_float,
    positive_int,
    run_main,
)
from common.errors import UserError
from common.runconfig import write_config


@pytest.mark.parametrize("text, value", [("1", 1), ("250", 250)])
def test_positive_int_accepts(text, value):
    assert positive_int(text) == value


@pytest.mark.parametrize("text", ["0", "-3"])
def test_positive_int_rejects(text):
    with pytest.raises(argparse.ArgumentTypeError, match="positive integer"):
        positive_int(text)


def test_float_types():
    assert nonneg_float("0") == 0.0 and nonneg_float("2.5") == 2.5
    assert positive_float("1e-8") == 1e-8
    for bad in ("-1", "nan", "inf"):
        with pytest.raises(argparse.ArgumentTypeError):
            nonneg_float(bad)
    with pytest.raises(argparse.ArgumentTypeError, match="> 0"):
        positive_float("0")


def _parser() -> ArgumentParser:
    p = ArgumentParser(prog="tool", formatter_class=DefaultsHelpFormatter)
    p.add_argument("--steps", type=positive_int, default=10, help="steps")
    p.add_argument("--rate", type=positive_float, help="rate")
    p.add_argument("--flag", action="store_true", help="a switch")
    return p


def test_parser_error_is_one_line_with_status_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        _parser().parse_args(["--steps", "0"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("tool: error: argument --steps")
    assert "positive integer" in err and "usage" not in err


def test_help_shows_only_real_defaults():
    text = " ".join(_parser().format_help().split())
    assert "steps (default: 10)" in text
    assert "rate (default" not in text and "a switch (default" not in text


def test_run_main_turns_expected_failures_into_one_line(capsys):
    def bad_input() -> int:
        raise UserError("image.png: not an image\n  (truncated)")

    def missing() -> int:
        raise FileNotFoundError(2, "No such file or directory", "x.png")

    def interrupted() -> int:
        raise KeyboardInterrupt

    assert run_main("tool", bad_input) == 1
    assert capsys.readouterr().err == "tool: error: image.png: not an image (truncated)\n"
    assert run_main("tool", missing) == 1
    assert capsys.readouterr().err == "tool: error: No such file or directory (x.png)\n"
    assert run_main("tool", interrupted) == 130
    assert run_main("tool", lambda: 0) == 0
    with pytest.raises(ZeroDivisionError):  # a bug keeps its traceback
        run_main("tool", lambda: 1 // 0)


def test_write_config_is_json_of_config_and_extras(tmp_path):
    @dataclasses.dataclass(frozen=True)
    class Config:
        rate: float = 0.5
        sizes: tuple = (1, 2)

    path = tmp_path / "config.json"
    write_config(path, Config(), seed=7, where=Path("/a/b"), scales={3, 2})
    data = json.loads(path.read_text())
    assert data == {"rate": 0.5, "sizes": [1, 2], "seed": 7, "where": "/a/b", "scales": [2, 3]}
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_cpu_flags_reads_the_flags_line(tmp_path):
    from common.precision import cpu_flags

    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: X\nflags\t\t: fpu avx2 fma avx512_bf16\n\n")
    assert cpu_flags(str(info)) == frozenset({"fpu", "avx2", "fma", "avx512_bf16"})
    info.write_text("processor\t: 0\n")
    assert cpu_flags(str(info)) is None
    assert cpu_flags(str(tmp_path / "missing")) is None


@pytest.mark.parametrize(
    "flags, gpus, native",
    [
        (frozenset({"avx2", "fma"}), 0, False),  # AVX2 only: oneDNN emulates bfloat16
        (frozenset({"avx2", "avx512f", "avx512_bf16"}), 0, True),
        (frozenset({"avx2", "amx_bf16", "amx_tile"}), 0, True),
        (frozenset({"avx2"}), 1, True),  # the networks run on the GPU
    ],
)
def test_native_bf16(flags, gpus, native):
    from common.precision import native_bf16

    assert native_bf16(flags, gpus) is native


def test_precision_warning_only_for_emulated_bf16():
    from common.precision import precision_warning

    assert precision_warning("p", "float32", native=False) is None
    assert precision_warning("p", "mixed_bfloat16", native=True) is None
    assert precision_warning("p", "mixed_bfloat16", native=None) is None  # flags unknown
    line = precision_warning("p", "mixed_bfloat16", native=False)
    assert line.startswith("p: warning: ") and "\n" not in line and "--precision float32" in line


def test_scripts_warn_once_about_emulated_bf16(tmp_path, capsys, monkeypatch):
    from PIL import Image

    import common.precision
    from sr.cli import eval as sr_eval

    monkeypatch.setattr(common.precision, "native_bf16", lambda: False)
    folder = tmp_path / "Tiny"
    folder.mkdir()
    Image.new("RGB", (24, 24), (90, 120, 200)).save(folder / "a.png")
    argv = ["--model", "bicubic", "--dataset", str(folder), "--scale", "2"]
    assert sr_eval.main([*argv, "--precision", "mixed_bfloat16"]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert len(warnings) == 1 and warnings[0].startswith("sr_eval: warning: this CPU has no")
    assert sr_eval.main(argv) == 0
    assert "warning" not in capsys.readouterr().err
