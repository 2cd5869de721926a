"""Train VDSR with a sub-pixel output on sr_prepare.py patches; flags in scripts/sr_train.py."""

from __future__ import annotations

from scripts.sr_train import build_parser as _build_parser
from scripts.sr_train import main_for

PROG = "vdsr_sp.py"


def build_parser():
    return _build_parser("vdsr_sp", PROG)


def main(argv: list[str] | None = None) -> int:
    return main_for("vdsr_sp", PROG, argv)


if __name__ == "__main__":
    raise SystemExit(main())
