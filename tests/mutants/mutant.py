"""The record of one planted bug (kept free of project imports so any copy can load it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    """One small, plausible bug: ``old`` replaced by ``new`` (exactly once) in ``path``.

    Attributes:
        id: short unique name, ``area.function.kind`` (kind: divisor, term, constant, border...).
        path: file inside the repository, e.g. ``"style_transfer/losses.py"``.
        old: text that occurs exactly once in ``path``.
        new: its replacement (the bug).
        tests: the function's own test file(s) that must fail, e.g.
            ``("tests/test_style_losses.py",)``.
        why: one line: what the bug is, in the paper's terms.
    """

    id: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]
    why: str
