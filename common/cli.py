"""Command-line plumbing: one-line errors, flag types, output checks and flags from configs.

Each task's frozen config dataclass owns its defaults and its validation. Its fields carry their
command-line form in ``metadata`` (built with :func:`flag`), and :func:`add_config_flags` turns
them into argparse options whose default is ``None``, so that :func:`config_from_args` can tell
"not given" from "given" and a default lives only in the dataclass.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from common.errors import UserError

T = TypeVar("T")

#: Key of a dataclass field's ``metadata`` that holds its command-line form.
CLI = "cli"


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


def one_line(err: BaseException) -> str:
    """An exception's message on one line (a TensorFlow error's own message, without its op
    context), or its type's name when it has none."""
    text = getattr(err, "message", None) or str(err)
    return " ".join(str(text).split()) or type(err).__name__


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


def output_problem(
    path: str | os.PathLike,
    *,
    what: str = "",
    overwrite: bool | None = None,
    image: bool = False,
) -> str | None:
    """Why ``path`` cannot be written as an output file, or None when it can.

    With ``image`` its extension must be one Pillow writes; its folder must exist and be
    writable; with ``overwrite=False`` an existing file is refused (``None``: not checked).
    ``what`` (e.g. ``"--output"``) starts the message.
    """
    name = os.fspath(path)
    label = f"{what} {name!r}" if what else repr(name)
    if image:
        from PIL import Image

        if os.path.splitext(name)[1].lower() not in Image.registered_extensions():
            return f"{label}: unknown image extension (use .png or .jpg)"
    folder = os.path.dirname(os.path.abspath(name))
    if not os.path.isdir(folder):
        return f"{label}: directory {folder} does not exist"
    if not os.access(folder, os.W_OK):
        return f"{label}: directory {folder} is not writable"
    if overwrite is False and os.path.exists(name):
        return f"{name} already exists; pass --overwrite to replace it"
    return None


# --- flags from a config dataclass -------------------------------------------------------------


def flag(help: str, **argparse_kwargs: Any) -> dict[str, Any]:
    """A config field's ``metadata`` giving its command-line form.

    ``help`` is the option's help text; the other keywords go to ``add_argument`` (``type``,
    ``choices``, ``nargs``, ``metavar``, ``action``), plus ``flags`` (the option strings; default
    ``--field-name``) and ``group`` (an argument-group title). The default is never given here:
    it is the field's.
    """
    return {CLI: {"help": help, **argparse_kwargs}}


def _default_text(field: dataclasses.Field) -> str | None:
    if field.default is not dataclasses.MISSING:
        value = field.default
    elif field.default_factory is not dataclasses.MISSING:
        value = field.default_factory()
    else:
        return None
    if value is None or value is False or value in ((), ""):
        return None
    if isinstance(value, tuple | list):
        return " ".join(str(v) for v in value)
    return str(value)


def add_config_flags(
    parser: argparse.ArgumentParser,
    config_type: type,
    *,
    skip: Iterable[str] = (),
    defaults: Mapping[str, Any] | None = None,
) -> None:
    """Add one option per field of ``config_type`` that has :func:`flag` metadata.

    Every option's argparse default is ``None`` ("not given"); its help ends with the field's
    default (or ``defaults[name]`` when a caller shows a preset's value instead).
    """
    groups: dict[str, Any] = {}
    for field in dataclasses.fields(config_type):
        spec = dict(field.metadata.get(CLI, {}))
        if not spec or field.name in skip:
            continue
        flags = spec.pop("flags", None) or ["--" + field.name.replace("_", "-")]
        title = spec.pop("group", None)
        target = parser
        if title:
            target = groups.get(title) or groups.setdefault(title, parser.add_argument_group(title))
        shown = defaults[field.name] if defaults and field.name in defaults else None
        text = shown if shown is not None else _default_text(field)
        if text is not None and spec.get("action") not in ("store_true", "store_false"):
            spec["help"] = f"{spec['help']} (default: {text})".replace("%", "%%")
        else:
            spec["help"] = spec["help"].replace("%", "%%")
        target.add_argument(*flags, dest=field.name, default=None, **spec)


def given_values(args: argparse.Namespace, config_type: type) -> dict[str, Any]:
    """The values of ``config_type``'s flag fields that were given on the command line."""
    values = {}
    for field in dataclasses.fields(config_type):
        if CLI in field.metadata and getattr(args, field.name, None) is not None:
            value = getattr(args, field.name)
            values[field.name] = tuple(value) if isinstance(value, list) else value
    return values


def config_from_args(
    parser: argparse.ArgumentParser, config_type: type[T], args: argparse.Namespace, **base: Any
) -> T:
    """``config_type(**base)`` with every given flag applied; a ``UserError`` or ``ValueError``
    from the config's validation becomes ``parser.error`` (one line, exit 2)."""
    try:
        return config_type(**{**base, **given_values(args, config_type)})
    except (UserError, ValueError) as err:
        parser.error(one_line(err))
        raise AssertionError("unreachable") from err
