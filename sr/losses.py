"""Training losses as pure functions of tensors.

Every loss takes ``label`` and ``prediction`` of shape ``(N, H, W, C)`` (Y in [0, 1]) and returns a
per-example loss of shape ``(N,)``: the penalty **summed over the pixels of the patch**, as in the
papers' Caffe training (``EuclideanLoss``), so the papers' learning rates keep their meaning. The
trainer averages over the (global) batch.
"""

from __future__ import annotations

from collections.abc import Callable

import tensorflow as tf

LOSSES = ("mse", "mae", "huber")


def _per_example_sum(values: tf.Tensor) -> tf.Tensor:
    return tf.reduce_sum(tf.reshape(values, [tf.shape(values)[0], -1]), axis=1)


def mse(label: tf.Tensor, prediction: tf.Tensor) -> tf.Tensor:
    """Euclidean loss ``1/2 ||F(x) - y||^2`` per patch (VDSR Eq. 1; SRCNN Eq. 4 up to the 1/2)."""
    error = tf.cast(prediction, tf.float32) - tf.cast(label, tf.float32)
    return 0.5 * _per_example_sum(tf.square(error))


def mae(label: tf.Tensor, prediction: tf.Tensor) -> tf.Tensor:
    """L1 loss ``||F(x) - y||_1`` per patch."""
    error = tf.cast(prediction, tf.float32) - tf.cast(label, tf.float32)
    return _per_example_sum(tf.abs(error))


def huber(label: tf.Tensor, prediction: tf.Tensor, delta: float = 1.0) -> tf.Tensor:
    """Huber loss per patch: ``e^2/2`` where ``|e| <= delta``, else ``delta (|e| - delta/2)``."""
    error = tf.abs(tf.cast(prediction, tf.float32) - tf.cast(label, tf.float32))
    quadratic = tf.minimum(error, delta)
    return _per_example_sum(0.5 * tf.square(quadratic) + delta * (error - quadratic))


def get_loss(name: str, huber_delta: float = 1.0) -> Callable[[tf.Tensor, tf.Tensor], tf.Tensor]:
    """The per-example loss called ``name`` (one of :data:`LOSSES`)."""
    if name == "mse":
        return mse
    if name == "mae":
        return mae
    if name == "huber":
        if huber_delta <= 0:
            raise ValueError(f"huber delta must be positive, got {huber_delta}")
        return lambda label, prediction: huber(label, prediction, huber_delta)
    raise ValueError(f"unknown loss {name!r}; choose from {', '.join(LOSSES)}")
