"""Command line shared by ``scripts/srcnn.py``, ``scripts/vdsr.py`` and ``scripts/vdsr_sp.py``.

A run directory holds ``config.json``, ``checkpoint.npz`` (model, optimizer state and counters,
written every epoch and on Ctrl-C/SIGTERM), ``best.weights.h5`` (best mean Set5 PSNR),
``last.weights.h5``, ``history.jsonl`` (one line per epoch) and ``logs/`` (TensorBoard).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path

from imaging import (
    ArgumentParser,
    UserError,
    atomic_write,
    run_main,
    warn_precision,
    write_config,
)

import numpy as np
import tensorflow as tf
from tensorflow.core.framework import summary_pb2
from tqdm import tqdm

from sr.config import PRECISIONS, PRESETS, STRATEGIES, TrainConfig, config_from_dict
from sr.data import check_downscale
from sr.inference import evaluate, load_validation, make_predictor
from sr.losses import LOSSES
from sr.models import SRCNN_INITS, srcnn_border
from sr.paths import datasets_dir, image_files
from sr.pipeline import OnTheFly, training_planes
from sr.training import PatchSet, Trainer
from sr.weights import check_weights, metadata, save_weights

PATCH_HINT = {"srcnn": "srcnn", "vdsr": "vdsr", "vdsr_sp": "subpixel"}
DEFAULT_SETS = {"srcnn": "T91", "vdsr": "T91 BSDS200", "vdsr_sp": "T91 BSDS200"}
DEFAULT_PATCH = {"srcnn": 33, "vdsr": 41, "vdsr_sp": 48}
ON_THE_FLY_STEPS = 1000


def build_parser(model: str, prog: str) -> argparse.ArgumentParser:
    d = PRESETS[model]
    p = ArgumentParser(
        prog=prog,
        description=f"Train {model} on patches from sr_prepare.py {PATCH_HINT[model]} "
        "(defaults: the paper's recipe).",
    )
    p.add_argument("--patches", help="patch file (.h5) from sr_prepare.py")
    p.add_argument(
        "--on-the-fly",
        action="store_true",
        help="instead of --patches: random crops degraded in tf.data every step",
    )
    p.add_argument(
        "--images",
        nargs="+",
        metavar="DIR",
        help=f"training image folders for --on-the-fly (default: {DEFAULT_SETS[model]})",
    )
    p.add_argument(
        "--patch-size",
        type=int,
        default=DEFAULT_PATCH[model],
        help="HR crop size for --on-the-fly (%(default)s)",
    )
    p.add_argument(
        "--downscale",
        type=float,
        nargs="+",
        metavar="F",
        help="with --on-the-fly: also crop from each image shrunk by these factors in (0, 1] "
        "(scale augmentation, e.g. 1.0 0.7 0.5; patch files get it from sr_prepare.py)",
    )
    p.add_argument("--out", required=True, help="run directory (checkpoints, weights, logs)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out exactly")
    p.add_argument(
        "--scales",
        type=int,
        nargs="+",
        default=list(d.scales),
        help="training scales (%(default)s)",
    )
    p.add_argument(
        "--optimizer", choices=("sgd", "adam"), default=d.optimizer, help="(%(default)s)"
    )
    p.add_argument("--lr", type=float, default=d.learning_rate, help="learning rate (%(default)s)")
    if model == "srcnn":
        p.add_argument(
            "--lr-last",
            type=float,
            default=d.last_layer_learning_rate,
            help="learning rate of the last layer (%(default)s)",
        )
        p.add_argument("--variant", default=d.srcnn_variant, help="kernel sizes (9-1-5, 9-5-5)")
        p.add_argument(
            "--kernel-init",
            choices=SRCNN_INITS,
            default=d.srcnn_init,
            help="conv1/conv2 initialisation: gaussian, std 0.001 (the paper's), or he "
            "(He normal; conv3 keeps the paper's) (%(default)s)",
        )
    if model == "vdsr_sp":
        p.add_argument(
            "--no-residual",
            action="store_true",
            help="no global residual over the bicubic upscaling",
        )
    if model != "srcnn":
        p.add_argument("--depth", type=int, default=d.depth, help="conv layers (%(default)s)")
    p.add_argument("--momentum", type=float, default=d.momentum, help="SGD momentum (%(default)s)")
    p.add_argument(
        "--weight-decay", type=float, default=d.weight_decay, help="L2 on kernels (%(default)s)"
    )
    p.add_argument(
        "--lr-step",
        type=int,
        default=d.lr_step_epochs,
        help="multiply the rate by --lr-decay every N epochs (0: never; %(default)s)",
    )
    p.add_argument("--lr-decay", type=float, default=d.lr_decay, help="(%(default)s)")
    p.add_argument(
        "--clip-theta",
        type=float,
        default=d.clip_theta or 0.0,
        help="adjustable gradient clipping theta, 0 disables (%(default)s)",
    )
    p.add_argument("--epochs", type=int, default=None, help=f"epochs ({d.epochs})")
    p.add_argument("--batch-size", type=int, default=d.batch_size, help="(%(default)s)")
    p.add_argument("--steps-per-epoch", type=int, help="cap the steps of an epoch")
    p.add_argument("--loss", choices=LOSSES, default=d.loss, help="(%(default)s)")
    p.add_argument("--huber-delta", type=float, default=d.huber_delta, help="(%(default)s)")
    p.add_argument("--augment", action="store_true", help="random rotation/flip of each patch")
    p.add_argument("--seed", type=int, default=d.seed, help="(%(default)s)")
    p.add_argument("--precision", choices=PRECISIONS, default=d.precision, help="(%(default)s)")
    p.add_argument("--strategy", choices=STRATEGIES, default=d.strategy, help="(%(default)s)")
    p.add_argument(
        "--val",
        nargs="+",
        metavar="DIR",
        help="validation image folders (default: Set5); evaluated every epoch",
    )
    p.add_argument("--no-val", action="store_true", help="skip validation")
    p.add_argument(
        "--init",
        metavar="WEIGHTS",
        help="start from these weights (a .weights.h5 of the same model)",
    )
    return p


def _config(model: str, args: argparse.Namespace, parser) -> TrainConfig:
    if not args.patches and not args.on_the_fly:
        parser.error("give --patches FILE or --on-the-fly (or --resume)")
    if args.patches and args.on_the_fly:
        parser.error("--patches and --on-the-fly exclude each other")
    downscale = ()
    if args.downscale:
        if not args.on_the_fly:
            parser.error("--downscale needs --on-the-fly (patch files: sr_prepare.py --downscale)")
        try:
            downscale = check_downscale(args.downscale)
        except ValueError as err:
            parser.error(f"--{err}")
    images = tuple(args.images or [str(datasets_dir() / n) for n in DEFAULT_SETS[model].split()])
    positive = {
        "--lr": args.lr,
        "--batch-size": args.batch_size,
        "--depth": getattr(args, "depth", 1),
    }
    for flag, value in positive.items():
        if value <= 0:
            parser.error(f"{flag} must be positive")
    if args.epochs is not None and args.epochs < 1:
        parser.error("--epochs must be positive")
    if model == "srcnn":
        try:
            srcnn_border(args.variant)
        except ValueError as err:
            parser.error(str(err))
    if any(s < 2 or s > 8 for s in args.scales):
        parser.error("--scales must be integers from 2 to 8")
    val = () if args.no_val else tuple(args.val or [str(datasets_dir() / "Set5")])
    return PRESETS[model].replace(
        patches=str(Path(args.patches).resolve()) if args.patches else "",
        on_the_fly=args.on_the_fly,
        images=tuple(str(Path(d).resolve()) for d in images) if args.on_the_fly else (),
        patch_size=args.patch_size if args.on_the_fly else 0,
        downscale=downscale,
        scales=tuple(args.scales),
        optimizer=args.optimizer,
        learning_rate=args.lr,
        last_layer_learning_rate=getattr(args, "lr_last", None),
        srcnn_variant=getattr(args, "variant", "9-1-5"),
        srcnn_init=getattr(args, "kernel_init", "gaussian"),
        vdsr_sp_residual=not getattr(args, "no_residual", False),
        depth=getattr(args, "depth", 20),
        momentum=args.momentum,
        weight_decay=args.weight_decay,
        lr_step_epochs=args.lr_step,
        lr_decay=args.lr_decay,
        clip_theta=args.clip_theta or None,
        epochs=args.epochs or PRESETS[model].epochs,
        batch_size=args.batch_size,
        steps_per_epoch=args.steps_per_epoch or (ON_THE_FLY_STEPS if args.on_the_fly else None),
        loss=args.loss,
        huber_delta=args.huber_delta,
        augment=args.augment,
        seed=args.seed,
        precision=args.precision,
        strategy=args.strategy,
        validation=val,
        validation_scales=tuple(args.scales),
        init_weights=str(Path(args.init).resolve()) if args.init else "",
    )


def make_strategy(name: str):
    """``default``: one device. ``mirrored``: all GPUs, or all logical CPUs when there is none."""
    if name == "default":
        return tf.distribute.get_strategy()
    gpus = tf.config.list_logical_devices("GPU")
    devices = [d.name for d in (gpus or tf.config.list_logical_devices("CPU"))]
    return tf.distribute.MirroredStrategy(devices)


class _StopFlag:
    """Ctrl-C / SIGTERM request a stop at the next step boundary; a second one aborts."""

    def __init__(self):
        self.requested = False

    def __enter__(self):
        self._old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
        for s in self._old:
            signal.signal(s, self._handle)
        return self

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc):
        for s, handler in self._old.items():
            signal.signal(s, handler)


def _scalar(tag: str, value: float, step: int) -> None:
    """A TensorBoard scalar written with TF core ops (no tensorboard package needed)."""
    meta = summary_pb2.SummaryMetadata()
    meta.plugin_data.plugin_name = "scalars"
    tf.summary.write(tag, tf.constant(value, tf.float32), step, metadata=meta.SerializeToString())


def _save_checkpoint(trainer: Trainer, out: Path) -> None:
    with atomic_write(out / "checkpoint.npz", "wb") as handle:
        np.savez(handle, **trainer.state())


def _weights_meta(trainer: Trainer, prior_epochs: int, **extra) -> dict:
    """Metadata of a weights file: the architecture, and epochs over all stages and this run."""
    c = trainer.config
    return metadata(
        c.model,
        c.scales,
        srcnn_variant=c.srcnn_variant,
        vdsr_sp_residual=c.vdsr_sp_residual,
        depth=c.depth,
        epochs_trained=prior_epochs + trainer.epoch,
        run_epochs=trainer.epoch,
        **extra,
    )


def _validate(predict, sets: dict) -> dict[int, float]:
    return {s: evaluate(predict, images)["psnr"] for s, images in sets.items()}


def _source(config: TrainConfig) -> PatchSet | OnTheFly:
    if not config.on_the_fly:
        return PatchSet.load(config.patches, config.scales)
    return OnTheFly(
        training_planes(config.images, config.downscale),
        config.model,
        config.scales,
        config.patch_size,
        config.batch_size,
        config.steps_per_epoch,
        label_size=config.patch_size - 2 * srcnn_border(config.srcnn_variant),
        residual=config.vdsr_sp_residual,
        augment=config.augment,
        seed=config.seed,
    )


def _train(model: str, args: argparse.Namespace, parser, prog: str) -> int:
    out = Path(args.out)
    prior_epochs = 0  # epochs behind the --init weights, so shipped files count every stage
    if args.resume:
        try:
            saved = json.loads((out / "config.json").read_text())
            config = config_from_dict(saved)
            prior_epochs = int(saved.get("init_epochs_trained", 0))
        except (OSError, ValueError) as err:
            raise UserError(f"cannot resume: no readable {out / 'config.json'} ({err})") from None
        if config.model != model:
            raise UserError(f"{out} is a {config.model} run, not {model}")
        if args.epochs:
            config = config.replace(epochs=args.epochs)
    else:
        config = _config(model, args, parser)
        if (out / "checkpoint.npz").exists():
            raise UserError(f"{out} already holds a run; use --resume or another --out")
    warn_precision(prog, config.precision)
    patches = _source(config)
    strategy = make_strategy(config.strategy)
    trainer = Trainer(config, patches, strategy)
    if args.resume:
        if not (out / "checkpoint.npz").exists():
            raise UserError(f"cannot resume: no checkpoint in {out}")
        with np.load(out / "checkpoint.npz") as state:
            trainer.load_state(state)
    elif config.init_weights:
        prior_epochs = int(check_weights(config.init_weights, model).get("epochs_trained", 0))
        try:
            trainer.model.load_weights(config.init_weights)
        except (ValueError, KeyError) as err:
            raise UserError(f"--init {config.init_weights} does not fit: {err}") from None
    out.mkdir(parents=True, exist_ok=True)
    write_config(
        out / "config.json",
        config,
        patch_count=patches.count,
        parameters=trainer.model.count_params(),
        replicas=strategy.num_replicas_in_sync,
        init_epochs_trained=prior_epochs,
    )
    val_sets = {}
    if config.validation:
        paths = [p for folder in config.validation for p in image_files(folder)]
        val_sets = load_validation([str(p) for p in paths], config.validation_scales)
    source = f"crops of {patches.images} images, " if isinstance(patches, OnTheFly) else ""
    print(
        f"{model}: {source}{patches.count} patches, {trainer.steps_per_epoch()} steps/epoch, "
        f"{trainer.model.count_params()} parameters, epoch {trainer.epoch + 1}/{config.epochs}",
        file=sys.stderr,
    )
    # one traced predictor over the live model, reused by every epoch's validation
    predict = make_predictor(trainer.model, config.model, config.srcnn_variant)
    writer = tf.summary.create_file_writer(str(out / "logs"))
    last_psnr = None
    with _StopFlag() as stop:
        while trainer.epoch < config.epochs:
            epoch = trainer.epoch
            bar = tqdm(
                total=trainer.steps_per_epoch(),
                initial=trainer.step_in_epoch,
                desc=f"epoch {epoch + 1}/{config.epochs}",
                file=sys.stderr,
                dynamic_ncols=True,
                mininterval=2.0,
            )
            started = time.perf_counter()
            try:
                for result in trainer.run_epoch():
                    bar.update(1)
                    bar.set_postfix(loss=f"{result.loss:.4g}", psnr=last_psnr or "-", refresh=False)
                    if trainer.global_step % 50 == 0:
                        with writer.as_default():
                            _scalar("loss", result.loss, trainer.global_step)
                    if stop.requested:
                        break
            finally:
                bar.close()
            trainer.elapsed += time.perf_counter() - started
            if stop.requested:
                _save_checkpoint(trainer, out)
                print(
                    f"{prog}: stopped; checkpoint saved, continue with --resume --out {out}",
                    file=sys.stderr,
                )
                return 130
            record = {
                "epoch": trainer.epoch,
                "global_step": trainer.global_step,
                "loss": result.loss,
                "lr": trainer.learning_rates(epoch),
            }
            if val_sets:
                t0 = time.perf_counter()
                psnrs = _validate(predict, val_sets)
                trainer.elapsed += time.perf_counter() - t0
                mean = float(np.mean(list(psnrs.values())))
                last_psnr = f"{mean:.2f}"
                record["val_psnr"] = {f"x{s}": round(v, 4) for s, v in psnrs.items()}
                with writer.as_default():
                    for s, v in psnrs.items():
                        _scalar(f"val_psnr_x{s}", v, trainer.epoch)
                if mean > trainer.best_psnr:
                    trainer.best_psnr = mean
                    save_weights(
                        trainer.model,
                        out / "best.weights.h5",
                        _weights_meta(trainer, prior_epochs, val_psnr=record["val_psnr"]),
                    )
            record["elapsed"] = round(trainer.elapsed, 1)
            with open(out / "history.jsonl", "a") as log:
                log.write(json.dumps(record) + "\n")
            print(json.dumps(record), file=sys.stderr)
            _save_checkpoint(trainer, out)
            last_meta = _weights_meta(trainer, prior_epochs)
            save_weights(trainer.model, out / "last.weights.h5", last_meta)
    best = (
        f"best validation PSNR {trainer.best_psnr:.2f} dB"
        if np.isfinite(trainer.best_psnr)
        else "no validation"
    )
    print(f"{model}: done, {trainer.epoch} epochs, {best}, weights in {out}")
    return 0


def main_for(model: str, prog: str, argv: list[str] | None = None) -> int:
    parser = build_parser(model, prog)
    args = parser.parse_args(argv)
    return run_main(prog, lambda: _train(model, args, parser, prog))
