"""Losses against their formulas, and VDSR's adjustable gradient clipping."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from seeds import rng, seed

import common.quiet  # noqa: F401  (quiet TensorFlow start-up)
from sr import losses
from sr.config import PRESETS
from sr.pipeline import PatchSet
from sr.training import Trainer, adjustable_clip

# (N, H, W, C) all different, so a sum over the wrong axis (or a reshape keeping the wrong one)
# changes the result's shape or values
SHAPE = (2, 3, 5, 7)
_DRAW = rng(0)
LABEL = _DRAW.random(SHAPE).astype(np.float32)
PRED = _DRAW.random(SHAPE).astype(np.float32)
ERR = (PRED.astype(np.float64) - LABEL).reshape(SHAPE[0], -1)  # per example, in float64

#: float32 sums of n = 105 terms per example, each term a few roundings off: the recursive
#: summation bound n * 2**-24 ~ 6e-6 relative, so 1e-5 covers any reduction order.
RTOL = 1e-5


def _hand_example():
    """Label and prediction of shape SHAPE with four non-zero errors at distinct (h, w, c),
    every value exact in binary. Example 0: errors 0.5 and -3 (label 1, prediction -2);
    example 1: errors 0.25 and 2 (prediction 0.25, label -2 predicted as 0)."""
    label = np.zeros(SHAPE, np.float32)
    pred = np.zeros(SHAPE, np.float32)
    pred[0, 1, 2, 3] = 0.5
    label[0, 2, 4, 6], pred[0, 2, 4, 6] = 1.0, -2.0
    pred[1, 0, 0, 0] = 0.25
    label[1, 2, 3, 1] = -2.0
    return label, pred


# hand values of the hand example (errors e0 = (0.5, -3), e1 = (0.25, 2))
HAND = {
    "mse": [0.5 * (0.25 + 9.0), 0.5 * (0.0625 + 4.0)],  # VDSR Eq. 1: 1/2 sum e^2
    "mae": [0.5 + 3.0, 0.25 + 2.0],
    # delta 1: 0.5^2/2 + 1 (3 - 1/2); 0.25^2/2 + 1 (2 - 1/2)
    "huber1": [0.125 + 2.5, 0.03125 + 1.5],
    # delta 0.5: |e| = delta exactly gives delta^2/2 (both branches agree there);
    # 0.5 (3 - 0.25); 0.25^2/2 + 0.5 (2 - 0.25)
    "huber0.5": [0.125 + 1.375, 0.03125 + 0.875],
    # delta 3: |e| = 3 is on the boundary again: 3^2 / 2
    "huber3": [0.125 + 4.5, 0.03125 + 2.0],
}


def test_losses_hand_values_per_example():
    label, pred = _hand_example()
    for name, got in [
        ("mse", losses.mse(label, pred)),
        ("mae", losses.mae(label, pred)),
        ("huber1", losses.huber(label, pred)),  # the default delta is 1
        ("huber0.5", losses.huber(label, pred, 0.5)),
        ("huber3", losses.huber(label, pred, 3.0)),
    ]:
        assert got.shape == (SHAPE[0],) and got.dtype == tf.float32, name
        np.testing.assert_array_equal(got, HAND[name], err_msg=name)  # exact: binary values


def test_mse_is_half_the_squared_norm_per_patch():
    got = losses.mse(LABEL, PRED)
    assert got.shape == (SHAPE[0],)
    np.testing.assert_allclose(got, 0.5 * (ERR**2).sum(1), rtol=RTOL)


def test_mae_is_the_l1_norm_per_patch():
    got = losses.mae(LABEL, PRED)
    assert got.shape == (SHAPE[0],)
    np.testing.assert_allclose(got, np.abs(ERR).sum(1), rtol=RTOL)


def _huber_reference(delta):
    """Huber (1964): e^2 / 2 where |e| <= delta, delta (|e| - delta / 2) beyond; float64."""
    a = np.abs(ERR)
    return np.where(a <= delta, 0.5 * a**2, delta * (a - 0.5 * delta)).sum(1)


@pytest.mark.parametrize("delta", [0.05, 0.3, 2.0])
def test_huber_formula(delta):
    got = losses.huber(LABEL, PRED, delta)
    assert got.shape == (SHAPE[0],)
    np.testing.assert_allclose(got, _huber_reference(delta), rtol=RTOL)
    # large delta: Huber == MSE; both are continuous at |e| == delta. The same float32 sum (0.5 is
    # a power of two, 10 (|e| - |e|) is 0): equal, 1e-6 is 16 ulp
    np.testing.assert_allclose(losses.huber(LABEL, PRED, 10.0), losses.mse(LABEL, PRED), rtol=1e-6)


def test_huber_gradient_is_the_clipped_error():
    """d/dF of the Huber loss is e clipped to [-delta, delta] (the MSE's is e itself)."""
    delta = 0.3
    pred = tf.constant(PRED)
    with tf.GradientTape() as tape:
        tape.watch(pred)
        value = tf.reduce_sum(losses.huber(LABEL, pred, delta))
    expected = np.clip(PRED.astype(np.float64) - LABEL, -delta, delta)
    # float32 error e and the clip: a few ulp of |e| <= 1
    np.testing.assert_allclose(tape.gradient(value, pred), expected, rtol=0, atol=1e-6)


def test_get_loss():
    assert losses.get_loss("mse") is losses.mse
    assert losses.get_loss("mae") is losses.mae
    np.testing.assert_allclose(
        losses.get_loss("huber", 0.1)(LABEL, PRED), losses.huber(LABEL, PRED, 0.1)
    )
    with pytest.raises(ValueError):
        losses.get_loss("l3")
    with pytest.raises(ValueError):
        losses.get_loss("huber", 0.0)
    with pytest.raises(ValueError):
        losses.get_loss("huber", -0.5)


def test_get_loss_forwards_the_huber_delta():
    """A non-default delta reaches the loss (against the formula, not against huber itself);
    without one the delta is 1."""
    np.testing.assert_allclose(losses.get_loss("huber", 0.3)(LABEL, PRED), _huber_reference(0.3),
                               rtol=RTOL)  # fmt: skip
    label, pred = _hand_example()
    np.testing.assert_array_equal(losses.get_loss("huber")(label, pred), HAND["huber1"])
    np.testing.assert_array_equal(losses.get_loss("huber", 0.5)(label, pred), HAND["huber0.5"])


# ------------------------------------------------------------------ adjustable clipping


def test_adjustable_clip_bounds_each_component():
    g = tf.constant([-5.0, -0.1, 0.0, 0.2, 7.0])
    # float32 0.1 and 0.2 are 1.5e-8 off relative: within the default rtol 1e-7
    np.testing.assert_allclose(adjustable_clip(g, 0.5, 1.0), [-0.5, -0.1, 0.0, 0.2, 0.5])
    # the bound is theta / lr: at lr 0.01, theta 1e-3 clips each component to [-0.1, 0.1]
    np.testing.assert_allclose(adjustable_clip(g, 1e-3, 0.01), [-0.1, -0.1, 0.0, 0.1, 0.1])


def test_adjustable_clip_hand_values():
    """VDSR Sec. 3.3: each component clipped to [-theta/gamma, theta/gamma]; here theta 0.05 and
    gamma 0.25 give the bound 0.2 (theta * gamma would be 0.0125, gamma / theta 5)."""
    g = tf.constant([[-0.3, 0.05, 2.0], [0.15, -0.2, -7.0]])
    expected = [[-0.2, 0.05, 0.2], [0.15, -0.2, -0.2]]
    out = adjustable_clip(g, 0.05, 0.25)
    assert out.shape == (2, 3) and out.dtype == tf.float32
    np.testing.assert_allclose(out, expected, rtol=1e-7)  # float32 rounding of the bound
    # the rate as a float32 tensor, as the trainer passes it
    np.testing.assert_allclose(adjustable_clip(g, 0.05, tf.constant(0.25)), expected, rtol=1e-7)


def test_adjustable_clip_is_sign_symmetric():
    g = tf.constant(rng(2).normal(0.0, 3.0, (3, 4, 5)).astype(np.float32))
    out = adjustable_clip(g, 1e-2, 0.01).numpy()  # bound 1
    np.testing.assert_array_equal(adjustable_clip(-g, 1e-2, 0.01), -out)
    assert out.min() == -1.0 and out.max() == 1.0  # both bounds reached
    inside = np.abs(g.numpy()) < 1
    np.testing.assert_array_equal(out[inside], g.numpy()[inside])


def test_adjustable_clip_follows_the_learning_rate():
    """The bound follows the *current* rate: a tf.function traced once sees a changed rate."""
    rate = tf.Variable(0.1)
    clip = tf.function(lambda g: adjustable_clip(g, 1e-3, rate))
    g = tf.constant([-3.0, 0.05, 0.5])
    # the bound 1e-3 / rate in float32 from a float32 rate: 2-3 roundings, <= 2e-7 relative
    np.testing.assert_allclose(clip(g), [-0.01, 0.01, 0.01], rtol=1e-6)  # bound 1e-3 / 0.1
    rate.assign(0.001)
    np.testing.assert_allclose(clip(g), [-1.0, 0.05, 0.5], rtol=1e-6)  # bound 1e-3 / 0.001


def _vdsr_trainer(lr, theta, **changes):
    draw = rng(1)
    arrays = {
        "bicubic": draw.integers(0, 256, (4, 9, 9), dtype=np.uint8),
        "label": draw.integers(0, 256, (4, 9, 9), dtype=np.uint8),
        "scale": np.full(4, 2, np.uint8),
    }
    config = PRESETS["vdsr"].replace(
        depth=2, batch_size=4, learning_rate=lr, momentum=0.0, weight_decay=0.0,
        clip_theta=theta, scales=(2,), validation=(), seed=seed(0), **changes,
    )  # fmt: skip
    return Trainer(config, PatchSet(arrays, {"recipe": "vdsr"}))


def _epoch_updates(trainer):
    before = [w.copy() for w in trainer.model.get_weights()]
    list(trainer.run_epoch())
    return np.concatenate(
        [(a - b).ravel() for a, b in zip(trainer.model.get_weights(), before, strict=True)]
    )


# updates of 1e-4 on float32 weights of order 0.1-1: a few ulp (~1e-7) of the weight, 1e-3 rel
UPDATE_RTOL = 1e-3


@pytest.mark.parametrize("fraction", [0.25, 0.75])
def test_clipping_limits_each_update_to_theta(fraction):
    """Clip to [-theta/lr, theta/lr], so plain SGD moves no weight by more than theta. The rate
    puts the bound theta / lr at a quantile of this draw's gradient magnitudes, so about
    ``fraction`` of the components are clipped whatever the random weights and patches."""
    theta = 1e-4
    gradient = np.abs(_epoch_updates(_vdsr_trainer(1.0, None)))  # one SGD step at lr 1: -g
    lr = theta / float(np.quantile(gradient[gradient > 0], 1 - fraction))
    trainer = _vdsr_trainer(lr, theta)
    steps = _epoch_updates(trainer)  # one step: 4 patches, batch 4
    assert np.abs(steps).max() == pytest.approx(theta, rel=UPDATE_RTOL)  # gradients exceed it
    clipped = np.isclose(np.abs(steps), theta, rtol=UPDATE_RTOL).mean()
    assert 0.05 < clipped < 1.0  # some components clipped, not all
    # exactly the components whose unclipped step lr |g| reaches the bound (zero gradients, e.g.
    # of dead units, are never clipped); a rounding at the boundary may move a few
    expected = np.mean(lr * gradient >= theta * (1 - UPDATE_RTOL))
    assert expected > fraction - 0.2 and clipped == pytest.approx(expected, abs=0.01)


def test_clipping_uses_the_decayed_learning_rate():
    """After a step decay (0.1 -> 0.01) the bound is theta / 0.01: the largest update is still
    theta, not the tenth of it that the base rate's bound would give."""
    theta = 1e-4
    trainer = _vdsr_trainer(0.1, theta, lr_step_epochs=1, lr_decay=0.1)
    for epoch in range(2):
        steps = _epoch_updates(trainer)
        # 0.1 * 0.1 in float64 (or the rate as a float32, 1.5e-8 off): far within rel 1e-6
        assert trainer.learning_rates(epoch)[0] == pytest.approx(0.1 * 0.1**epoch)
        assert np.abs(steps).max() == pytest.approx(theta, rel=UPDATE_RTOL), epoch


def test_trainer_builds_the_model_in_its_precision_and_restores_the_policy():
    trainer = _vdsr_trainer(0.1, 1e-4, precision="mixed_bfloat16")
    assert trainer.model.get_layer("conv1").dtype_policy.name == "mixed_bfloat16"
    assert trainer.model.get_layer("output").dtype_policy.name == "float32"
    assert keras.config.dtype_policy().name == "float32"  # the global policy is put back
