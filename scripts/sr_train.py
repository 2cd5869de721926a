"""Command line shared by ``scripts/srcnn.py``, ``scripts/vdsr.py`` and ``scripts/vdsr_sp.py``.

The run itself (its directory, checkpoints, validation, stops) is :mod:`sr.fit`. Every option
defaults to None here, so that the options a user gave are known: a new run fills the rest from
the paper's recipe (:data:`sr.config.PRESETS`), and ``--resume`` refuses any that would change
the run.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys

from tqdm import tqdm

from common.cli import ArgumentParser, run_main
from common.precision import warn_precision
from sr import config as recipes
from sr.config import PRESETS, fields_from_flags, new_config
from sr.fit import EpochEnd, StopRequest, TrainingRun
from sr.losses import LOSSES
from sr.models import SRCNN_INITS
from sr.paths import datasets_dir

SIGNAL_HOOK = "SR_TRAIN_SIGNAL_AT"  # tests: "SIGTERM:5" sends SIGTERM after global step 5


def build_parser(model: str, prog: str) -> argparse.ArgumentParser:
    d, recipe = PRESETS[model], recipes.PATCH_RECIPE[model]
    p = ArgumentParser(prog=prog, description=f"Train {model} on sr_prepare.py {recipe} patches "
                       "(defaults: the paper's recipe).")  # fmt: skip
    add = p.add_argument
    add("--patches", help="patch file (.h5) from sr_prepare.py")
    add("--on-the-fly", action="store_true", help="random crops degraded every step instead")
    add("--images", nargs="+", metavar="DIR", help="folders for --on-the-fly (default: "
        f"{' '.join(recipes.TRAINING_SETS[recipe])})")  # fmt: skip
    add(
        "--patch-size",
        type=int,
        help=f"HR crop size of --on-the-fly ({recipes.ON_THE_FLY_PATCH[model]})",
    )
    add("--downscale", type=float, nargs="+", metavar="F", help="with --on-the-fly: also crop "
        "each image shrunk by these factors in (0, 1] (e.g. 1.0 0.7 0.5)")  # fmt: skip
    add("--out", required=True, help="run directory (checkpoints, weights, logs)")
    add("--resume", action="store_true", help="continue the run in --out exactly")
    add("--checkpoint-minutes", type=float, help=f"checkpoint inside an epoch this often "
        f"({recipes.CHECKPOINT_MINUTES:g})")  # fmt: skip
    add("--scales", type=int, nargs="+", help=f"training scales ({' '.join(map(str, d.scales))})")
    add("--optimizer", choices=("sgd", "adam"), help=f"({d.optimizer})")
    add("--lr", type=float, help=f"learning rate ({d.learning_rate})")
    if model == "srcnn":
        add("--lr-last", type=float, help=f"rate of the last layer ({d.last_layer_learning_rate})")
        add("--variant", help=f"kernel sizes, 9-1-5 or 9-5-5 ({d.srcnn_variant})")
        add("--kernel-init", choices=SRCNN_INITS, help="conv1/conv2 initialisation: gaussian "
            "std 0.001 (the paper's) or he (He normal) (gaussian)")  # fmt: skip
    if model == "vdsr_sp":
        add("--no-residual", action="store_true", help="no residual over the bicubic upscaling")
    if model != "srcnn":
        add("--depth", type=int, help=f"conv layers ({d.depth})")
    add("--momentum", type=float, help=f"SGD momentum ({d.momentum})")
    add("--weight-decay", type=float, help=f"L2 on kernels ({d.weight_decay})")
    add("--lr-step", type=int, help=f"rate times --lr-decay every N epochs, 0: never "
        f"({d.lr_step_epochs})")  # fmt: skip
    add("--lr-decay", type=float, help=f"({d.lr_decay})")
    add("--clip-theta", type=float, help=f"adjustable clipping theta, 0: off ({d.clip_theta or 0})")
    add("--epochs", type=int, help=f"epochs ({d.epochs})")
    add("--batch-size", type=int, help=f"({d.batch_size})")
    add("--steps-per-epoch", type=int, help="cap the steps of an epoch (--on-the-fly: 1000)")
    add("--loss", choices=LOSSES, help=f"({d.loss})")
    add("--huber-delta", type=float, help=f"({d.huber_delta})")
    add("--augment", action="store_true", help="random rotation/flip of each patch")
    add("--seed", type=int, help=f"({d.seed})")
    add("--precision", choices=recipes.PRECISIONS, help=f"({d.precision})")
    add("--strategy", choices=recipes.STRATEGIES, help=f"multiworker: the cluster of TF_CONFIG "
        f"({d.strategy})")  # fmt: skip
    add("--worker-timeout", type=float, help="multiworker: seconds to wait for a lost worker "
        f"before stopping ({recipes.WORKER_TIMEOUT:g})")  # fmt: skip
    add("--val", nargs="+", metavar="DIR", help="validation folders, every epoch (Set5)")
    add("--no-val", action="store_true", help="skip validation")
    add("--init", metavar="WEIGHTS", help="start from a .weights.h5 of the same model")
    add("--ema", type=float, metavar="DECAY", help="also keep, validate and save a moving "
        "average of the weights, e.g. 0.999 (best_ema.weights.h5; default: off)")  # fmt: skip
    return p


def _signal_hook() -> tuple[int, int] | None:
    name, _, step = os.environ.get(SIGNAL_HOOK, "").partition(":")
    return (getattr(signal, name), int(step)) if name else None


def _train(model: str, args: argparse.Namespace, prog: str) -> int:
    flags = {k: v for k, v in vars(args).items() if k not in ("out", "resume")}
    if args.resume:
        requested = fields_from_flags(model, flags)
        run = TrainingRun.resume(
            args.out, model, requested, lambda m: print(f"{prog}: {m}", file=sys.stderr)
        )
    else:
        run = TrainingRun.start(new_config(model, flags, datasets_dir()), args.out)
    warn_precision(prog, run.config.precision)
    print(run.describe(), file=sys.stderr)
    bars, psnr = [], "-"  # one progress bar per epoch
    with StopRequest() as stop:
        try:
            for event in run.train(stop, _signal_hook()):
                if isinstance(event, EpochEnd):
                    bars.pop().close() if bars else None
                    print(json.dumps(event.record), file=sys.stderr)
                    values = list(event.record.get("val_psnr", {}).values())
                    psnr = f"{sum(values) / len(values):.2f}" if values else psnr
                    continue
                s = event.step
                if not bars:
                    desc = f"epoch {s.epoch + 1}/{run.config.epochs}"
                    bars.append(tqdm(total=s.steps, initial=s.step, desc=desc, file=sys.stderr,
                                     dynamic_ncols=True, mininterval=2.0))  # fmt: skip
                bars[0].update(1)
                bars[0].set_postfix(loss=f"{s.loss:.4g}", psnr=psnr, refresh=False)
        finally:
            for bar in bars:
                bar.close()
    if run.stopped:
        print(f"{prog}: stopped; checkpoint saved ({run.last_checkpoint}), continue with "
              f"--resume --out {args.out}", file=sys.stderr)  # fmt: skip
        return 130
    print(run.summary())
    return 0


def main_for(model: str, prog: str, argv: list[str] | None = None) -> int:
    parser = build_parser(model, prog)
    args = parser.parse_args(argv)
    try:
        if args.resume:
            fields_from_flags(model, vars(args))
        else:
            new_config(model, vars(args), datasets_dir())
    except ValueError as err:
        parser.error(str(err))
    return run_main(prog, lambda: _train(model, args, prog))
