"""Helpers shared by the command-line scripts: one-line errors and run configs."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from imaging.errors import UserError
from imaging.io import atomic_write


class ArgumentParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` whose errors are one line: ``prog: error: message``.

    The usage text stays available with ``--help``; a bad flag value should not bury the one
    line that says what is wrong under a screenful of usage.
    """

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


class DefaultsHelpFormatter(argparse.HelpFormatter):
    """Appends "(default: X)" to an option's help only when its default is a real value."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.default not in (None, False, argparse.SUPPRESS) and "%(default)" not in text:
            text += " (default: %(default)s)"
        return text


def positive_int(text: str) -> int:
    """argparse ``type``: an integer >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, not {text}")
    return value


def nonneg_float(text: str) -> float:
    """argparse ``type``: a finite number >= 0 (rejects nan and inf)."""
    value = float(text)
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, not {text}")
    return value


def positive_float(text: str) -> float:
    """argparse ``type``: a finite number > 0."""
    value = nonneg_float(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return value


def run_main(prog: str, body: Callable[[], int]) -> int:
    """Run ``body`` and turn expected failures into one line on stderr.

    ``UserError`` (bad input), ``OSError`` (file system) and ``KeyboardInterrupt`` never reach
    the user as a traceback: they print ``prog: error: message`` and give exit code 1 (130 for
    Ctrl-C). Anything else is a bug and keeps its traceback.
    """
    try:
        return body()
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except UserError as err:
        print(f"{prog}: error: {one_line(err)}", file=sys.stderr)
        return 1
    except OSError as err:
        where = f" ({err.filename})" if getattr(err, "filename", None) else ""
        print(f"{prog}: error: {err.strerror or err}{where}", file=sys.stderr)
        return 1


def precision_warning(prog: str, precision: str, native: bool | None) -> str | None:
    """The warning line for ``--precision mixed_bfloat16`` on a CPU that only emulates bfloat16.

    ``native`` is ``imaging.runtime.native_bf16()``: True, False, or None when unknown. None
    (no warning) unless ``precision`` is mixed_bfloat16 and ``native`` is False.
    """
    if precision != "mixed_bfloat16" or native is not False:
        return None
    return (
        f"{prog}: warning: this CPU has no AVX-512 BF16 or AMX, so mixed_bfloat16 is emulated "
        "and much slower than float32 here; use --precision float32"
    )


def warn_precision(prog: str, precision: str) -> None:
    """Print ``precision_warning`` for this machine on stderr when there is one."""
    from imaging.runtime import native_bf16  # imports TensorFlow

    native = native_bf16() if precision == "mixed_bfloat16" else None
    message = precision_warning(prog, precision, native)
    if message:
        print(message, file=sys.stderr)


def one_line(err: BaseException) -> str:
    """An exception's message on one line (a TensorFlow error's own message, without its op
    context), or its type's name when it has none."""
    text = getattr(err, "message", None) or str(err)
    return " ".join(str(text).split()) or type(err).__name__


def write_config(path: str | Path, config: Any = None, **extra: Any) -> None:
    """Write ``config`` (a dataclass or mapping) and ``extra`` keys as indented JSON, atomically."""
    data: dict[str, Any] = {}
    if dataclasses.is_dataclass(config):
        data.update(dataclasses.asdict(config))
    elif config is not None:
        data.update(dict(config))
    data.update(extra)
    with atomic_write(path, "w") as handle:
        json.dump(data, handle, indent=2, sort_keys=True, default=_jsonable)
        handle.write("\n")


def _jsonable(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, set | frozenset):
        return sorted(value)
    return str(value)
