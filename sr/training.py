"""The shared trainer of SRCNN, VDSR and VDSR-sp: a custom loop under a ``tf.distribute`` strategy.

The batch order is a function of ``(seed, epoch)`` and the augmentation of ``(seed, epoch,
step)``, so a run restored from its checkpoint (:meth:`Trainer.tracked`,
:meth:`Trainer.counters`) continues exactly, even mid-epoch.
The trainer writes no files: it yields :class:`Step` results and hands out its state.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from common.errors import UserError
from common.precision import precision_scope
from common.seeds import seed_everything
from sr.config import PATCH_RECIPE, TrainConfig
from sr.losses import get_loss
from sr.models import srcnn_border
from sr.pipeline import Batch, OnTheFly, PatchSet, prefetch
from sr.weights import build_model


class NonFiniteLoss(UserError):
    """The loss became NaN or infinite; training stops before saving the broken state."""


@dataclass(frozen=True)
class Step:
    epoch: int  # 0-based epoch of this step
    step: int  # 0-based step inside the epoch
    steps: int  # steps in the epoch
    loss: float  # batch-mean loss (summed over each patch's pixels)


class Trainer:
    """Builds the model and optimizers in ``strategy``'s scope and runs epochs of steps."""

    def __init__(self, config: TrainConfig, patches: PatchSet | OnTheFly, strategy=None):
        self.config = config
        self.patches = patches
        self.strategy = strategy or tf.distribute.get_strategy()
        if isinstance(patches, PatchSet):
            self._check_patches()
        seed_everything(config.seed)
        with precision_scope(config.precision), self.strategy.scope():
            self.model = build_model(
                config.model,
                config.scales[0],
                srcnn_variant=config.srcnn_variant,
                vdsr_sp_residual=config.vdsr_sp_residual,
                depth=config.depth,
                srcnn_init=config.srcnn_init,
            )
            self.groups = self._make_groups()
            for optimizer, variables in self.groups:
                optimizer.build(variables)
            # the exponential moving average of the weights (--ema), starting at the weights
            self.ema = {
                v.path: tf.Variable(v, trainable=False, name=v.path.replace("/", "_") + "_ema")
                for v in self.model.trainable_variables
            } if config.ema else {}  # fmt: skip
        self.loss_fn = get_loss(config.loss, config.huber_delta)
        self.epoch = 0
        self.step_in_epoch = 0
        self.global_step = 0
        self.best_psnr = -np.inf
        self.best_psnr_ema = -np.inf  # the same for the moving average of the weights (--ema)
        self.elapsed = 0.0  # seconds of training (steps and validation) over all sessions
        self.last_loss = float("nan")  # the loss of the last step taken
        self._train_step = tf.function(self._distributed_step)

    # -- setup -------------------------------------------------------------------------------
    def _check_patches(self) -> None:
        c, recipe = self.config, self.patches.recipe
        wanted = PATCH_RECIPE[c.model]
        if recipe != wanted:
            raise UserError(f"{c.model} trains on '{wanted}' patches, the file has '{recipe}'")
        if c.model == "vdsr_sp" and len(c.scales) != 1:
            raise UserError("vdsr_sp is trained for one scale at a time")
        if c.model == "srcnn":
            need = self.patches.arrays["bicubic"].shape[1] - 2 * srcnn_border(c.srcnn_variant)
            if need < 1 or need > self.patches.arrays["label"].shape[1]:
                raise UserError(f"SRCNN {c.srcnn_variant} output {need} does not fit the labels")
        if c.batch_size % self.strategy.num_replicas_in_sync:
            raise UserError("--batch-size must be a multiple of the number of replicas")

    def _optimizer(self, learning_rate: float):
        if self.config.optimizer == "adam":
            return keras.optimizers.Adam(learning_rate)
        return keras.optimizers.SGD(learning_rate, momentum=self.config.momentum)  # "sgd"

    def _make_groups(self):
        c, variables = self.config, self.model.trainable_variables
        if c.model == "srcnn" and c.last_layer_learning_rate is not None:
            last = self.model.get_layer("conv3").trainable_variables
            last_ids = {id(v) for v in last}
            rest = [v for v in variables if id(v) not in last_ids]
            return [
                (self._optimizer(c.learning_rate), rest),
                (self._optimizer(c.last_layer_learning_rate), list(last)),
            ]
        return [(self._optimizer(c.learning_rate), list(variables))]

    def base_rates(self) -> list[float]:
        c = self.config
        rates = [c.learning_rate]
        if len(self.groups) == 2:
            rates.append(c.last_layer_learning_rate)
        return rates

    def learning_rates(self, epoch: int) -> list[float]:
        """Current rates per group: base rate times ``lr_decay ** (epoch // lr_step_epochs)``."""
        c = self.config
        factor = c.lr_decay ** (epoch // c.lr_step_epochs) if c.lr_step_epochs else 1.0
        return [r * factor for r in self.base_rates()]

    # -- data ----------------------------------------------------------------------------------
    def steps_per_epoch(self) -> int:
        if isinstance(self.patches, OnTheFly):
            return self.patches.steps_per_epoch()
        full = self.patches.count // self.config.batch_size
        if full < 1:
            raise UserError(
                f"only {self.patches.count} patches, fewer than --batch-size "
                f"{self.config.batch_size}"
            )
        return min(full, self.config.steps_per_epoch or full)

    def batch(self, epoch: int, step: int) -> Batch:
        """Inputs and label of one batch, float32 ``(B, h, w, 1)`` in [0, 1]; deterministic."""
        c = self.config
        return self.patches.batch(
            epoch,
            step,
            model=c.model,
            batch_size=c.batch_size,
            seed=c.seed,
            augment=c.augment,
            border=srcnn_border(c.srcnn_variant),
            residual=c.vdsr_sp_residual,
        )

    # -- the step ------------------------------------------------------------------------------
    def _distributed_step(self, inputs, label):
        strategy, global_batch = self.strategy, self.config.batch_size
        variables = [v for _, group in self.groups for v in group]

        def replica_step(inputs, label):
            with tf.GradientTape() as tape:
                x = inputs[0] if len(inputs) == 1 else list(inputs)
                prediction = self.model(x, training=True)
                loss = tf.reduce_sum(self.loss_fn(label, prediction)) / global_batch
            return loss, tape.gradient(loss, variables)

        loss, grads = strategy.run(replica_step, args=(inputs, label))
        loss = strategy.reduce(tf.distribute.ReduceOp.SUM, loss, axis=None)
        grads = [strategy.reduce(tf.distribute.ReduceOp.SUM, g, axis=None) for g in grads]
        start = 0
        for optimizer, group in self.groups:
            group_grads = grads[start : start + len(group)]
            start += len(group)
            group_grads = self._regularise(optimizer, group, group_grads)
            optimizer.apply_gradients(zip(group_grads, group, strict=True))
        self._update_ema()
        return loss

    def _update_ema(self) -> None:
        """``ema = decay * ema + (1 - decay) * w`` for each trainable weight ``w``, after a step."""
        decay = self.config.ema
        for v in self.model.trainable_variables:
            if v.path in self.ema:
                average = self.ema[v.path]
                average.assign(decay * average + (1.0 - decay) * tf.cast(v, average.dtype))

    def reset_ema(self) -> None:
        """Start the moving average at the current weights (after loading ``--init`` weights)."""
        for v in self.model.trainable_variables:
            if v.path in self.ema:
                self.ema[v.path].assign(v)

    def load_ema(self) -> None:
        """Set the model's weights to their moving averages (see :meth:`restore`)."""
        self._raw = [v.numpy() for v in self.model.trainable_variables]
        for v in self.model.trainable_variables:
            v.assign(self.ema[v.path])

    def restore(self) -> None:
        """Put back the trained weights that :meth:`load_ema` replaced."""
        for v, w in zip(self.model.trainable_variables, self._raw, strict=True):
            v.assign(w)

    def _regularise(self, optimizer, variables, grads):
        """Coupled weight decay on kernels (Caffe's) and VDSR's adjustable gradient clipping."""
        c = self.config
        if c.weight_decay:
            grads = [
                g + c.weight_decay * v if len(v.shape) > 1 else g
                for g, v in zip(grads, variables, strict=True)
            ]
        if c.clip_theta:
            rate = tf.cast(optimizer.learning_rate, tf.float32)
            grads = [adjustable_clip(g, c.clip_theta, rate) for g in grads]
        return grads

    def _distribute(self, inputs, label):
        n = self.strategy.num_replicas_in_sync
        if n == 1:
            return tuple(tf.constant(x) for x in inputs), tf.constant(label)
        per = self.config.batch_size // n

        def value_fn(ctx):
            i = ctx.replica_id_in_sync_group
            part = slice(i * per, (i + 1) * per)
            return tuple(tf.constant(x[part]) for x in inputs), tf.constant(label[part])

        return self.strategy.experimental_distribute_values_from_function(value_fn)

    def run_epoch(self) -> Iterator[Step]:
        """Run the rest of the current epoch, yielding after every step.

        The epoch counter moves on once the generator is exhausted; a caller that stops after
        the last step leaves ``step_in_epoch == steps``, and the next call then only moves on.
        """
        steps = self.steps_per_epoch()
        for (optimizer, _), rate in zip(self.groups, self.learning_rates(self.epoch), strict=True):
            optimizer.learning_rate = rate
        if isinstance(self.patches, OnTheFly):
            source = self.patches.batches(self.epoch, self.step_in_epoch)
        else:
            source = prefetch(self.batch, self.epoch, range(self.step_in_epoch, steps))
        started = time.perf_counter()
        for inputs, label in source:
            dist_inputs, dist_label = self._distribute(inputs, label)
            loss = float(self._train_step(dist_inputs, dist_label))
            if not np.isfinite(loss):
                raise NonFiniteLoss(
                    f"loss became {loss} at epoch {self.epoch + 1}, step {self.step_in_epoch + 1}"
                )
            self.step_in_epoch += 1
            self.global_step += 1
            self.last_loss = loss
            now = time.perf_counter()
            self.elapsed += now - started
            started = now
            yield Step(self.epoch, self.step_in_epoch - 1, steps, loss)
        self.epoch += 1
        self.step_in_epoch = 0

    # -- state ---------------------------------------------------------------------------------
    def tracked(self) -> dict[str, dict[str, tf.Variable]]:
        """Every variable of the run's state, by name: ``model`` (Keras paths such as
        ``conv1.kernel``) and one entry per optimizer group (``optimizer``, and SRCNN's
        ``optimizer_conv3``) keyed by the slot's path without the optimizer's own prefix."""
        out = {"model": {v.path.replace("/", "."): v for v in self.model.variables}}
        if self.ema:
            out["ema"] = {path.replace("/", "."): v for path, v in self.ema.items()}
        for g, (optimizer, _) in enumerate(self.groups):
            key = "optimizer" if g == 0 else "optimizer_conv3"
            out[key] = {v.path.split("/", 1)[-1]: v for v in optimizer.variables}
        return out

    def counters(self) -> dict[str, float]:
        """The position of the run: epoch, step inside it, global step, best validation PSNR,
        training seconds so far and the last step's loss."""
        return {name: float(getattr(self, name)) for name in COUNTERS}

    def set_counters(self, values: dict[str, float]) -> None:
        for name in COUNTERS:
            value = float(values[name])
            setattr(self, name, int(value) if name in INTEGER_COUNTERS else value)


COUNTERS = (
    "epoch", "step_in_epoch", "global_step", "best_psnr", "best_psnr_ema", "elapsed", "last_loss"
)  # fmt: skip
INTEGER_COUNTERS = ("epoch", "step_in_epoch", "global_step")


def adjustable_clip(gradient: tf.Tensor, theta, learning_rate) -> tf.Tensor:
    """VDSR's adjustable gradient clipping (Kim et al. 2016, Sec. 3.3): each component of the
    gradient clipped to ``[-theta / lr, theta / lr]`` for the current learning rate ``lr``, so
    that a plain SGD step moves no weight by more than ``theta`` however large the rate."""
    bound = theta / learning_rate
    return tf.clip_by_value(gradient, -bound, bound)
