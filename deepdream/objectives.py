"""DeepDream objectives: pure functions of activation tensors, maximised by gradient ascent.

* L2 objective (google/deepdream ``objective_L2``; Keras example ``compute_loss``): the mean
  squared activation of a layer, or of one channel of it, ``E = mean_{n,i,j,c} a_{nijc}^2``.
  With a border ``b`` (Keras example: 2) the sum runs over ``b <= i < h - b, b <= j < w - b``
  only, still divided by the whole map's size ``N h w C``.
* Mean objective (TensorFlow tutorial ``calc_loss``): ``E = mean_{n,i,j,c} a_{nijc}``, with the
  same border rule.
* Guided objective (google/deepdream ``objective_guide``): every feature vector ``x_i`` of the
  dream is pushed towards the guide feature ``y_j`` it matches best by dot product,
  ``E = mean_i max_j <x_i, y_j>``, whose gradient with respect to ``x_i`` is ``y_{j*(i)} / N``
  (the notebook's ``diff = y[:, argmax(x^T y)]`` up to the constant ``1 / N``).

The total objective is ``sum_t w_t E_t`` over the configured terms.
"""

from __future__ import annotations

from collections.abc import Sequence

import tensorflow as tf

from common.errors import UserError
from deepdream.config import LayerTerm


def mean_squared_activation(activation: tf.Tensor, channel: int | None = None) -> tf.Tensor:
    """``mean(a**2)`` over batch, positions and channels (or the single ``channel``).

    Args:
        activation: ``(N, h, w, C)`` activations (any float dtype; computed in float32).
        channel: index into ``C``, or None for all channels.
    Returns:
        float32 scalar.
    """
    a = tf.cast(activation, tf.float32)
    if channel is not None:
        a = a[..., channel]
    return tf.reduce_mean(tf.square(a))


def border_activation(
    activation: tf.Tensor,
    channel: int | None = None,
    border: int = 0,
    kind: str = "l2",
) -> tf.Tensor:
    """``sum(f(a)[:, b:h-b, b:w-b]) / size(a)`` with ``f(a) = a**2`` (``"l2"``) or ``a``
    (``"mean"``): the Keras example's cropped loss; ``border=0`` is the plain mean.

    Args:
        activation: ``(N, h, w, C)`` activations (any float dtype; computed in float32).
        channel: index into ``C``, or None for all channels.
        border: positions dropped at each edge of the map (an empty crop gives 0).
        kind: ``"l2"`` or ``"mean"``.
    Returns:
        float32 scalar.
    """
    a = tf.cast(activation, tf.float32)
    if channel is not None:
        a = a[..., channel]
    values = tf.square(a) if kind == "l2" else a
    if border == 0:
        return tf.reduce_mean(values)
    size = tf.cast(tf.size(values), tf.float32)
    return tf.reduce_sum(values[:, border:-border, border:-border]) / size


def guided_activation(activation: tf.Tensor, guide: tf.Tensor) -> tf.Tensor:
    """``mean_i max_j <x_i, y_j>``: x_i the dream's feature vectors, y_j the guide's.

    Args:
        activation: ``(N, h, w, C)`` activations of the dream.
        guide: ``(M, C)`` feature vectors of the guide image at the same layer (float32).
    Returns:
        float32 scalar; its gradient moves each x_i along its best-matching y_j.
    """
    a = tf.cast(activation, tf.float32)
    x = tf.reshape(a, [-1, tf.shape(a)[-1]])
    dots = tf.matmul(x, guide, transpose_b=True)  # (positions, M)
    return tf.reduce_mean(tf.reduce_max(dots, axis=1))


def guide_vectors(activation) -> tf.Tensor:
    """Flatten the guide image's ``(1, h, w, C)`` activations into ``(h*w, C)`` float32."""
    a = tf.cast(activation, tf.float32)
    return tf.reshape(a, [-1, a.shape[-1]])


class DreamObjective:
    """``sum_t w_t E_t`` over ``terms``, evaluated on a feature model's list of activations.

    Args:
        terms: objective terms; their layers must be in ``layers``.
        layers: output order of the feature model.
        channels: channel count of each layer (validates channel indices).
        guides: optional ``(M, C)`` guide vectors per entry of ``layers``; when given, every
            term uses the guided objective instead of the L2 one.
        kind: ``"l2"`` (mean squared activation) or ``"mean"`` (mean activation).
        border: feature-map border left out of each term (:func:`border_activation`); guided
            terms use every position.

    Raises:
        UserError: a term names a layer the network does not output, a channel out of
            range, or combines a channel with a guide.
    """

    def __init__(
        self,
        terms: Sequence[LayerTerm],
        layers: Sequence[str],
        channels: Sequence[int],
        guides: Sequence[tf.Tensor] | None = None,
        *,
        kind: str = "l2",
        border: int = 0,
    ):
        if kind not in ("l2", "mean"):
            raise UserError(f"objective must be l2 or mean (got {kind!r})")
        if guides is not None and kind != "l2":
            raise UserError("a guide image replaces the objective: use it with l2")
        self._kind = kind
        self._border = int(border)
        self._terms = []
        for term in terms:
            if term.layer not in layers:
                raise UserError(f"layer {term.layer!r} is not one of the network outputs")
            index = list(layers).index(term.layer)
            if term.channel is not None and not 0 <= term.channel < channels[index]:
                raise UserError(
                    f"channel {term.channel} is out of range for layer {term.layer} "
                    f"({channels[index]} channels: 0 ... {channels[index] - 1})"
                )
            if guides is not None and term.channel is not None:
                raise UserError("a guide image cannot be combined with a single channel")
            self._terms.append((index, float(term.weight), term.channel))
        self._guides = None if guides is None else [tf.constant(g, tf.float32) for g in guides]

    @property
    def guided(self) -> bool:
        return self._guides is not None

    def __call__(self, activations: Sequence[tf.Tensor]) -> tf.Tensor:
        """Objective value (float32 scalar) for the activations of one image or tile."""
        total = tf.constant(0.0, tf.float32)
        for index, weight, channel in self._terms:
            if self._guides is not None:
                value = guided_activation(activations[index], self._guides[index])
            else:
                value = border_activation(activations[index], channel, self._border, self._kind)
            total += weight * value
        return total
