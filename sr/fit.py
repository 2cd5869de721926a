"""A super-resolution training run as a library: its directory, its epoch loop, its stops.

A run directory holds

* ``config.json``: the :class:`~sr.config.TrainConfig` and what the run found (patch count,
  parameters, replicas, the epochs behind ``--init`` weights);
* ``checkpoints/``: TensorFlow checkpoints (:mod:`sr.checkpoints`) taken when the run starts, at
  every epoch end, every ``checkpoint_minutes`` inside an epoch, and when a stop is requested;
* ``best.weights.h5`` (best mean validation PSNR), ``last.weights.h5``, ``history.jsonl`` (one
  line per epoch) and ``logs/`` (TensorBoard); with ``--ema``, ``best_ema.weights.h5`` and
  ``last_ema.weights.h5`` for the moving average of the weights.

:meth:`TrainingRun.train` is a generator of :class:`Progress` and :class:`EpochEnd` events, so the
script decides what to print. Everything an epoch end writes comes before its checkpoint, and a
resumed run drops history lines past its checkpoint, so a run killed at any moment resumes from
its newest readable checkpoint and ends with the weights of a run never stopped.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tensorflow as tf
from tensorflow.core.framework import summary_pb2

from common.errors import UserError
from common.runconfig import write_run_config
from sr.checkpoints import RunCheckpoints
from sr.config import TrainConfig
from sr.distribute import LOST_WORKER, Placement, agree, lost_worker_message, place
from sr.inference import evaluate, load_validation, make_predictor
from sr.models import srcnn_border
from sr.paths import image_files
from sr.pipeline import OnTheFly, PatchSet, training_planes
from sr.rundir import append_history, holds_run, keep_history, saved_config
from sr.training import NonFiniteLoss, Step, Trainer
from sr.weights import check_weights, metadata, save_weights

RESUMABLE = ("epochs", "checkpoint_minutes", "worker_timeout")  # the fields --resume may change


@dataclass(frozen=True)
class Progress:
    """One training step was taken."""

    step: Step


@dataclass(frozen=True)
class EpochEnd:
    """An epoch ended: ``record`` is its ``history.jsonl`` line (epoch, loss, lr, val_psnr...)."""

    record: dict


class StopRequest:
    """Ctrl-C and SIGTERM request a stop at the next step boundary; a second one aborts
    (``KeyboardInterrupt``). A context manager that restores the previous handlers."""

    def __init__(self):
        self.requested = False

    def __enter__(self) -> StopRequest:
        self._old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
        for s in self._old:
            signal.signal(s, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc) -> None:
        for s, handler in self._old.items():
            signal.signal(s, handler)


def make_source(config: TrainConfig) -> PatchSet | OnTheFly:
    """The training data of ``config``: a patch file in memory, or on-the-fly crops."""
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


class TrainingRun:
    """A run in ``out``: build it with :meth:`start` or :meth:`resume`, then drive :meth:`train`.

    In a cluster (``--strategy multiworker``) only the chief writes ``out`` and validates; each
    other worker keeps its own run directory (config, checkpoints, last weights, history) in
    ``out/.worker-N`` (see :mod:`sr.distribute`).
    """

    def __init__(self, out: Path, config: TrainConfig, prior_epochs: int, placement: Placement):
        self.out, self.config, self.prior_epochs = out, config, prior_epochs
        self.placement, self.strategy = placement, placement.strategy
        self.dir = placement.run_dir(out)  # where this process writes
        self.source = make_source(config)
        self.trainer = Trainer(config, self.source, self.strategy)
        self.checkpoints = RunCheckpoints(self.dir / "checkpoints", self.trainer)
        self.stopped = False
        self.last_checkpoint = ""
        self._saved_at = time.monotonic()  # when the last checkpoint was taken

    @classmethod
    def start(cls, config: TrainConfig, out: str | Path) -> TrainingRun:
        """A new run of ``config`` in ``out`` (which must not hold one), checkpointed at step 0."""
        out = Path(out)
        placement = place(config.strategy, config.worker_timeout)  # before any TF op
        if holds_run(placement.run_dir(out)):
            raise UserError(f"{out} already holds a run; use --resume or another --out")
        prior = 0  # epochs behind the --init weights, so shipped files count every stage
        if config.init_weights:
            prior = int(check_weights(config.init_weights, config.model).get("epochs_trained", 0))
        run = cls(out, config, prior, placement)
        if config.init_weights:
            try:
                run.trainer.model.load_weights(config.init_weights)
            except (ValueError, KeyError) as err:
                raise UserError(f"--init {config.init_weights} does not fit: {err}") from None
            run.trainer.reset_ema()  # the average starts at the weights the run starts from
        run.dir.mkdir(parents=True, exist_ok=True)
        run._write_config()
        run.last_checkpoint = run.checkpoints.save()
        return run

    @classmethod
    def resume(
        cls,
        out: str | Path,
        model: str,
        requested: dict | None = None,
        warn: Callable[[str], None] = lambda _: None,
    ) -> TrainingRun:
        """Continue the run in ``out`` from its newest readable checkpoint.

        ``requested`` holds the config fields the user asked for: those in :data:`RESUMABLE`
        change the run; any other must equal the run's own.
        """
        out = Path(out)
        if (out / "checkpoint.npz").exists() and not (out / "checkpoints").exists():
            raise UserError(
                f"{out} holds an older checkpoint.npz, which this version cannot resume; "
                f"continue it as a new stage: --init {out / 'last.weights.h5'} --out NEW_DIR"
            )
        saved, config = saved_config(out)
        if config.model != model:
            raise UserError(f"{out} is a {config.model} run, not {model}")
        requested = dict(requested or {})
        conflicts = [
            f"{name} {value!r} (the run has {getattr(config, name)!r})"
            for name, value in requested.items()
            if name not in RESUMABLE and value != getattr(config, name)
        ]
        if conflicts:
            raise UserError(
                f"--resume continues {out} as it was started; it cannot change "
                f"{'; '.join(conflicts)}. Start a new stage instead: --init "
                f"{out / 'last.weights.h5'} --out NEW_DIR"
            )
        config = config.replace(**{k: v for k, v in requested.items() if k in RESUMABLE})
        placement = place(config.strategy, config.worker_timeout)
        run = cls(out, config, int(saved.get("init_epochs_trained", 0)), placement)
        try:
            run.last_checkpoint = run.checkpoints.restore(warn)
        except UserError as err:
            if holds_run(run.dir):
                raise
            raise UserError(
                f"{err}; it was stopped while writing its first checkpoint, so start it again "
                "(the same command without --resume)"
            ) from None
        run._write_config()
        keep_history(run.dir, run.trainer.epoch)
        return run

    # -- the loop --------------------------------------------------------------------------
    def describe(self) -> str:
        t, source = self.trainer, self.source
        crops = f"crops of {source.images} images, " if isinstance(source, OnTheFly) else ""
        return (
            f"{self.config.model}: {crops}{source.count} patches, {t.steps_per_epoch()} "
            f"steps/epoch, {t.model.count_params()} parameters, "
            f"epoch {t.epoch + 1}/{self.config.epochs}"
        )

    def train(self, stop: StopRequest | None = None) -> Iterator[Progress | EpochEnd]:
        """Train to ``config.epochs``, yielding after every step and at every epoch end.

        When ``stop.requested`` turns true the run checkpoints at the next step boundary, sets
        :attr:`stopped` and returns.
        """
        validation = self._validation() if self.placement.chief else None
        if self.placement.chief:
            writer = tf.summary.create_file_writer(str(self.out / "logs"))
        else:
            writer = tf.summary.create_noop_writer()
        trainer = self.trainer
        try:
            while trainer.epoch < self.config.epochs:
                epoch = trainer.epoch
                yield from self._epoch_steps(stop, writer)
                if self.stopped:
                    return
                yield EpochEnd(self._end_epoch(epoch, validation, writer))
                self.last_checkpoint = self.checkpoints.save()
                self._saved_at = time.monotonic()
        except LOST_WORKER as err:
            raise UserError(lost_worker_message(err, self.out)) from None

    def _epoch_steps(self, stop, writer) -> Iterator[Progress]:
        """The rest of the current epoch's steps, with the checkpoints and stops inside it."""
        trainer, minutes = self.trainer, self.config.checkpoint_minutes
        try:
            for step in trainer.run_epoch():
                if trainer.global_step % 50 == 0:
                    with writer.as_default():
                        _scalar("loss", step.loss, trainer.global_step)
                yield Progress(step)
                due = time.monotonic() - self._saved_at >= 60 * minutes
                stop_now, save_now = agree(self.placement, bool(stop and stop.requested), due)
                if stop_now or save_now:
                    self.last_checkpoint = self.checkpoints.save()
                    self._saved_at = time.monotonic()
                if stop_now:
                    self.stopped = True
                    return
        except NonFiniteLoss as err:
            raise NonFiniteLoss(
                f"{err}; stopped, the last good checkpoint {self.last_checkpoint} is kept "
                f"(to go on, start a new stage from {self.out / 'last.weights.h5'} with "
                "--init and a lower --lr)"
            ) from None

    def _end_epoch(self, epoch: int, validation, writer) -> dict:
        """Validation, best weights, the history line and the last weights of ``epoch`` (and of
        the weights' moving average with ``--ema``: ``best_ema`` / ``last_ema.weights.h5``)."""
        trainer = self.trainer
        record = {
            "epoch": trainer.epoch,
            "global_step": trainer.global_step,
            "loss": trainer.last_loss,
            "lr": trainer.learning_rates(epoch),
        }
        record.update(self._validate(validation, writer, "", trainer.model))
        if trainer.ema:  # the same for the moving average, in the model's place meanwhile
            trainer.load_ema()
            try:
                record.update(self._validate(validation, writer, "_ema", trainer.model))
                save_weights(
                    trainer.model, self.dir / "last_ema.weights.h5", self._weights_meta(ema=True)
                )
            finally:
                trainer.restore()
        record["elapsed"] = round(trainer.elapsed, 1)
        append_history(self.dir, record)
        save_weights(trainer.model, self.dir / "last.weights.h5", self._weights_meta())
        return record

    def _validate(self, validation, writer, kind: str, model) -> dict:
        """PSNR per scale of the model's current weights; ``best{kind}.weights.h5`` if better."""
        if not validation:
            return {}
        trainer, (predict, sets) = self.trainer, validation
        started = time.perf_counter()
        psnrs = {s: evaluate(predict, images)["psnr"] for s, images in sets.items()}
        trainer.elapsed += time.perf_counter() - started
        with writer.as_default():
            for s, v in psnrs.items():
                _scalar(f"val_psnr{kind}_x{s}", v, trainer.epoch)
        rounded = {f"x{s}": round(v, 4) for s, v in psnrs.items()}
        mean = float(np.mean(list(psnrs.values())))
        if mean > getattr(trainer, f"best_psnr{kind}"):
            setattr(trainer, f"best_psnr{kind}", mean)
            meta = self._weights_meta(val_psnr=rounded, ema=bool(kind))
            save_weights(model, self.out / f"best{kind}.weights.h5", meta)
        return {f"val_psnr{kind}": rounded}

    def summary(self) -> str:
        best, ema = self.trainer.best_psnr, self.trainer.best_psnr_ema
        text = f"best validation PSNR {best:.2f} dB" if np.isfinite(best) else "no validation"
        text += f" ({ema:.2f} dB with --ema)" if np.isfinite(ema) else ""
        return (
            f"{self.config.model}: done, {self.trainer.epoch} epochs, {text}, weights in {self.out}"
        )

    # -- files -----------------------------------------------------------------------------
    def _validation(self):
        if not self.config.validation:
            return None
        paths = [str(p) for folder in self.config.validation for p in image_files(folder)]
        sets = load_validation(paths, self.config.validation_scales)
        # one traced predictor over the live model, reused by every epoch's validation
        c = self.config
        return make_predictor(self.trainer.model, c.model, c.srcnn_variant), sets

    def _write_config(self) -> None:
        write_run_config(
            self.dir,
            self.config,
            folder=True,
            patch_count=self.source.count,
            parameters=self.trainer.model.count_params(),
            replicas=self.strategy.num_replicas_in_sync,
            init_epochs_trained=self.prior_epochs,
        )

    def _weights_meta(self, **extra) -> dict:
        """Metadata of a weights file: the architecture, and epochs over all stages and this run."""
        c, epochs = self.config, self.trainer.epoch
        return metadata(
            c.model,
            c.scales,
            srcnn_variant=c.srcnn_variant,
            vdsr_sp_residual=c.vdsr_sp_residual,
            depth=c.depth,
            epochs_trained=self.prior_epochs + epochs,
            run_epochs=epochs,
            **extra,
        )


def _scalar(tag: str, value: float, step: int) -> None:
    """A TensorBoard scalar written with TF core ops (no tensorboard package needed)."""
    meta = summary_pb2.SummaryMetadata()
    meta.plugin_data.plugin_name = "scalars"
    tf.summary.write(tag, tf.constant(value, tf.float32), step, metadata=meta.SerializeToString())
