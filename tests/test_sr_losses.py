"""Losses against their formulas, and VDSR's adjustable gradient clipping."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import common.quiet  # noqa: F401  (quiet TensorFlow start-up)
from sr import losses
from sr.config import PRESETS
from sr.pipeline import PatchSet
from sr.training import Trainer, adjustable_clip

RNG = np.random.default_rng(0)
LABEL = RNG.random((3, 5, 4, 1)).astype(np.float32)
PRED = RNG.random((3, 5, 4, 1)).astype(np.float32)
ERR = (PRED - LABEL).reshape(3, -1).astype(np.float64)


def test_mse_is_half_the_squared_norm_per_patch():
    np.testing.assert_allclose(losses.mse(LABEL, PRED), 0.5 * (ERR**2).sum(1), rtol=1e-5)


def test_mae_is_the_l1_norm_per_patch():
    np.testing.assert_allclose(losses.mae(LABEL, PRED), np.abs(ERR).sum(1), rtol=1e-5)


@pytest.mark.parametrize("delta", [0.05, 0.3, 2.0])
def test_huber_formula(delta):
    a = np.abs(ERR)
    expected = np.where(a <= delta, 0.5 * a**2, delta * (a - 0.5 * delta)).sum(1)
    np.testing.assert_allclose(losses.huber(LABEL, PRED, delta), expected, rtol=1e-5)
    # large delta: Huber == MSE; both are continuous at |e| == delta
    np.testing.assert_allclose(losses.huber(LABEL, PRED, 10.0), losses.mse(LABEL, PRED), rtol=1e-6)


def test_get_loss():
    assert losses.get_loss("mse") is losses.mse
    np.testing.assert_allclose(
        losses.get_loss("huber", 0.1)(LABEL, PRED), losses.huber(LABEL, PRED, 0.1)
    )
    with pytest.raises(ValueError):
        losses.get_loss("l3")
    with pytest.raises(ValueError):
        losses.get_loss("huber", 0.0)


def test_adjustable_clip_bounds_each_component():
    g = tf.constant([-5.0, -0.1, 0.0, 0.2, 7.0])
    np.testing.assert_allclose(adjustable_clip(g, 0.5, 1.0), [-0.5, -0.1, 0.0, 0.2, 0.5])
    # the bound is theta / lr: at lr 0.01, theta 1e-3 clips each component to [-0.1, 0.1]
    np.testing.assert_allclose(adjustable_clip(g, 1e-3, 0.01), [-0.1, -0.1, 0.0, 0.1, 0.1])


def _vdsr_trainer(lr, theta, **changes):
    rng = np.random.default_rng(1)
    arrays = {
        "bicubic": rng.integers(0, 256, (4, 9, 9), dtype=np.uint8),
        "label": rng.integers(0, 256, (4, 9, 9), dtype=np.uint8),
        "scale": np.full(4, 2, np.uint8),
    }
    config = PRESETS["vdsr"].replace(
        depth=2, batch_size=4, learning_rate=lr, momentum=0.0, weight_decay=0.0,
        clip_theta=theta, scales=(2,), validation=(), **changes,
    )  # fmt: skip
    return Trainer(config, PatchSet(arrays, {"recipe": "vdsr"}))


@pytest.mark.parametrize("lr", [0.1, 0.01])
def test_clipping_limits_each_update_to_theta(lr):
    """Clip to [-theta/lr, theta/lr], so plain SGD moves no weight by more than theta."""
    theta = 1e-4
    trainer = _vdsr_trainer(lr, theta)
    before = [w.copy() for w in trainer.model.get_weights()]
    next(trainer.run_epoch())
    steps = np.concatenate(
        [(a - b).ravel() for a, b in zip(trainer.model.get_weights(), before, strict=True)]
    )
    assert np.abs(steps).max() == pytest.approx(theta, rel=1e-3)  # gradients here exceed theta/lr
    clipped = np.isclose(np.abs(steps), theta, rtol=1e-3).mean()
    assert 0.05 < clipped < 1.0  # some components clipped, not all


def test_trainer_builds_the_model_in_its_precision_and_restores_the_policy():
    trainer = _vdsr_trainer(0.1, 1e-4, precision="mixed_bfloat16")
    assert trainer.model.get_layer("conv1").dtype_policy.name == "mixed_bfloat16"
    assert trainer.model.get_layer("output").dtype_policy.name == "float32"
    assert keras.config.dtype_policy().name == "float32"  # the global policy is put back
