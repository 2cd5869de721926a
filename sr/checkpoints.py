"""A training run's checkpoints: TensorFlow's, with every variable named, the newest few kept.

Each checkpoint holds the model's variables by their Keras paths, each optimizer's slots by
name, and the run's counters (epoch, step inside it, global step, best validation PSNR, seconds
trained, last loss): the batch order is a function of ``(seed, epoch)``, so those counters are
the data position too. ``tf.train.CheckpointManager`` writes them (the index last, the
``checkpoint`` state file atomically), and :meth:`RunCheckpoints.restore` walks from the newest
to the oldest, so a checkpoint that a kill left half-written, or that was damaged later, is
skipped for the one before it with a line saying so.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import tensorflow as tf

from common.cli import one_line
from common.errors import UserError
from sr.training import COUNTERS, Trainer

PREFIX = "ckpt"
KEEP = 3


class RunCheckpoints:
    """Save and restore a :class:`~sr.training.Trainer`'s state in ``directory``."""

    def __init__(self, directory: str | Path, trainer: Trainer, keep: int = KEEP):
        self.directory = Path(directory)
        self.trainer = trainer
        self._counters = {
            name: tf.Variable(0.0, dtype=tf.float64, trainable=False, name=name)
            for name in COUNTERS
        }
        self._checkpoint = tf.train.Checkpoint(counters=self._counters, **trainer.tracked())
        _ = self._checkpoint.save_counter  # created now, so that a read can match it
        self._manager = tf.train.CheckpointManager(
            self._checkpoint, str(self.directory), max_to_keep=keep, checkpoint_name=PREFIX
        )

    def save(self) -> str:
        """Write the trainer's state now; returns the checkpoint's path prefix."""
        for name, value in self.trainer.counters().items():
            self._counters[name].assign(value)
        return self._manager.save(checkpoint_number=self.trainer.global_step)

    def available(self) -> list[str]:
        """Checkpoint prefixes on disk whose index file exists, newest first."""
        found = []
        for index in self.directory.glob(f"{PREFIX}-*.index"):
            match = re.fullmatch(rf"{PREFIX}-(\d+)\.index", index.name)
            if match:
                found.append((int(match.group(1)), str(index.with_suffix(""))))
        return [prefix for _, prefix in sorted(found, reverse=True)]

    def restore(self, warn: Callable[[str], None] = lambda _: None) -> str:
        """Restore the newest checkpoint that reads back whole; returns its prefix.

        A damaged one is reported through ``warn`` and the previous one is tried;
        :class:`UserError` when none is readable, or when one holds another network.
        """
        candidates = self.available()
        if not candidates:
            raise UserError(f"cannot resume: no checkpoint in {self.directory}")
        for prefix in candidates:
            damage = _damage(prefix)
            if damage:
                warn(f"checkpoint {prefix} is damaged ({damage}); trying the one before it")
                continue
            try:
                self._checkpoint.read(prefix).assert_consumed()
            except (AssertionError, ValueError, tf.errors.OpError) as err:
                raise UserError(
                    f"checkpoint {prefix} does not fit this model and optimizer: "
                    f"{one_line(err)[:200]}"
                ) from None
            self.trainer.set_counters({k: v.numpy() for k, v in self._counters.items()})
            return prefix
        raise UserError(f"cannot resume: every checkpoint in {self.directory} is damaged")


def counters_of(prefix: str) -> dict[str, float]:
    """The counters stored in a checkpoint, read without building a trainer."""
    reader = tf.train.load_checkpoint(prefix)
    out = {}
    for key in reader.get_variable_to_shape_map():
        match = re.fullmatch(r"counters/(\w+)/\.ATTRIBUTES/VARIABLE_VALUE", key)
        if match:
            out[match.group(1)] = float(np.asarray(reader.get_tensor(key)))
    return out


def _damage(prefix: str) -> str | None:
    """Why the checkpoint at ``prefix`` cannot be read back whole (every tensor is read, so
    TensorFlow checks its CRC), or None."""
    try:
        reader = tf.train.load_checkpoint(prefix)
        for key in reader.get_variable_to_shape_map():
            reader.get_tensor(key)
    except Exception as err:  # noqa: BLE001 - any failure to read means damaged
        return one_line(err)[:200]
    return None
