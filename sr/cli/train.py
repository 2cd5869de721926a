"""Command line of the three trainers: ``srcnn``, ``vdsr`` and ``vdsr-sp`` (``scripts/*.py``).

The run itself (its directory, checkpoints, validation, stops) is :mod:`sr.fit`. The options are
built from :class:`sr.config.TrainConfig`'s fields and default to None, so that the options a
user gave are known: a new run fills the rest from the paper's recipe
(:data:`sr.config.PRESETS`, whose values ``--help`` shows), and ``--resume`` refuses any that
would change the run.
"""

from __future__ import annotations

import argparse
import json
import sys

from common.cli import ArgumentParser, add_config_flags, given_values, one_line, run_main
from common.errors import UserError
from common.precision import warn_precision
from common.progress import progress
from sr.config import (
    ON_THE_FLY_PATCH,
    ON_THE_FLY_STEPS,
    PATCH_RECIPE,
    PRESETS,
    TRAINING_SETS,
    TrainConfig,
    new_config,
    resume_fields,
    skipped_flags,
)
from sr.fit import EpochEnd, StopRequest, TrainingRun
from sr.paths import datasets_dir

PROGS = {"srcnn": "srcnn.py", "vdsr": "vdsr.py", "vdsr_sp": "vdsr_sp.py"}


def shown_defaults(model: str) -> dict[str, str]:
    """The defaults ``--help`` shows for ``model``: its preset's values, and those that depend
    on other flags (``--on-the-fly``'s images, crop size and steps; Set5 validation)."""
    preset, shown = PRESETS[model], {}
    for name, value in vars(preset).items():
        if isinstance(value, bool) or value in (None, "", ()):
            continue
        if isinstance(value, tuple):
            shown[name] = " ".join(map(str, value))
        else:
            shown[name] = f"{value:g}" if isinstance(value, float) else str(value)
    shown.update(
        images=" ".join(TRAINING_SETS[PATCH_RECIPE[model]]),
        patch_size=str(ON_THE_FLY_PATCH[model]),
        steps_per_epoch=f"all; {ON_THE_FLY_STEPS} with --on-the-fly",
        validation="Set5",
        clip_theta=shown.get("clip_theta", "0"),
        ema="off",
    )
    return shown


def build_parser(model: str, prog: str | None = None) -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog=prog or PROGS[model],
        description=f"Train {model} on sr_prepare.py {PATCH_RECIPE[model]} patches "
        "(defaults: the paper's recipe).",
    )
    parser.add_argument("--out", required=True, help="run directory (checkpoints, weights, logs)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out exactly")
    add_config_flags(parser, TrainConfig, skip=skipped_flags(model), defaults=shown_defaults(model))
    parser.add_argument("--no-val", action="store_true", help="skip validation")
    return parser


def given_fields(args: argparse.Namespace) -> dict:
    """The config fields the user gave (``--no-val``: no validation folders)."""
    given = given_values(args, TrainConfig)
    if args.no_val:
        given["validation"] = ()
    return given


def _open_run(model: str, args: argparse.Namespace, plan, prog: str) -> TrainingRun:
    """``plan`` is the new run's config, or with ``--resume`` the fields asked for."""
    if args.resume:
        return TrainingRun.resume(
            args.out, model, plan, lambda m: print(f"{prog}: {m}", file=sys.stderr)
        )
    return TrainingRun.start(plan, args.out)


def _follow(run: TrainingRun) -> None:
    """Train, with one progress bar per epoch and each epoch's history line on stderr."""
    bars, psnr = [], "-"
    with StopRequest() as stop:
        try:
            for event in run.train(stop):
                if isinstance(event, EpochEnd):
                    bars.pop().close() if bars else None
                    print(json.dumps(event.record), file=sys.stderr)
                    values = list(event.record.get("val_psnr", {}).values())
                    psnr = f"{sum(values) / len(values):.2f}" if values else psnr
                    continue
                s = event.step
                if not bars:  # shown on a pipe too, as before (a run's log records its steps)
                    desc = f"epoch {s.epoch + 1}/{run.config.epochs}"
                    bars.append(progress(s.steps, desc=desc, initial=s.step, disable=False,
                                         dynamic_ncols=True, mininterval=2.0))  # fmt: skip
                bars[0].update(1)
                bars[0].set_postfix(loss=f"{s.loss:.4g}", psnr=psnr, refresh=False)
        finally:
            for bar in bars:
                bar.close()


def _train(model: str, args: argparse.Namespace, plan, prog: str) -> int:
    run = _open_run(model, args, plan, prog)
    warn_precision(prog, run.config.precision)
    print(run.describe(), file=sys.stderr)
    _follow(run)
    if run.stopped:
        print(f"{prog}: stopped; checkpoint saved ({run.last_checkpoint}), continue with "
              f"--resume --out {args.out}", file=sys.stderr)  # fmt: skip
        return 130
    print(run.summary())
    return 0


def main_for(model: str, prog: str | None = None, argv: list[str] | None = None) -> int:
    """Parse ``argv`` for ``model``'s trainer and run it; the exit code (130: stopped)."""
    prog = prog or PROGS[model]
    parser = build_parser(model, prog)
    args = parser.parse_args(argv)
    given = given_fields(args)
    try:
        if args.resume:
            plan = resume_fields(model, given)
        else:
            plan = new_config(model, given, datasets_dir())
    except (UserError, ValueError) as err:
        parser.error(one_line(err))
    return run_main(prog, lambda: _train(model, args, plan, prog))


def main_srcnn(argv: list[str] | None = None) -> int:
    """``srcnn``: train SRCNN (Dong et al. 2016)."""
    return main_for("srcnn", argv=argv)


def main_vdsr(argv: list[str] | None = None) -> int:
    """``vdsr``: train VDSR (Kim et al. 2016)."""
    return main_for("vdsr", argv=argv)


def main_vdsr_sp(argv: list[str] | None = None) -> int:
    """``vdsr-sp``: train VDSR with a sub-pixel output (Shi et al. 2016)."""
    return main_for("vdsr_sp", argv=argv)
