"""Keras builders for SRCNN, VDSR and VDSR with sub-pixel convolution.

All networks work on the luminance (Y) channel scaled to [0, 1], shape ``(N, H, W, 1)``, with
``(None, None, 1)`` inputs so one model serves every image size.

* SRCNN (Dong et al., "Image super-resolution using deep convolutional networks", TPAMI 2016):
  three valid convolutions f1-f2-f3 with 64 and 32 filters and ReLU; its input is the bicubic
  upscaling, its output is ``f1 + f2 + f3 - 3`` pixels smaller in each dimension.
* VDSR (Kim et al., "Accurate image super-resolution using very deep convolutional networks",
  CVPR 2016): 20 zero-padded 3x3 convolutions with 64 filters; the network predicts the residual
  ``r = y - x`` which is added to the bicubic input ``x``.
* VDSR-sp: the VDSR body applied to the low-resolution image, a final convolution to ``s^2``
  channels and a :class:`PixelShuffle` (Shi et al., CVPR 2016); optionally the bicubic upscaling
  is added (global residual), which makes it take ``[lr, bicubic]``.
"""

from __future__ import annotations

import keras
import tensorflow as tf

SRCNN_FILTERS = (64, 32)
SRCNN_INITS = ("gaussian", "he")
VDSR_DEPTH = 20
VDSR_WIDTH = 64


@keras.saving.register_keras_serializable(package="sr")
class PixelShuffle(keras.layers.Layer):
    """Sub-pixel rearrangement ``(N, H, W, s*s*C) -> (N, H*s, W*s, C)``.

    ``out[n, h*s + i, w*s + j, c] = in[n, h, w, (i*s + j)*C + c]`` (the ordering of
    ``tf.nn.depth_to_space``), written with reshape/transpose so it is checked against it.
    """

    def __init__(self, scale: int, **kwargs):
        super().__init__(**kwargs)
        self.scale = int(scale)

    def call(self, x):
        s = self.scale
        shape = tf.shape(x)
        n, h, w = shape[0], shape[1], shape[2]
        c = x.shape[-1] // (s * s)
        x = tf.reshape(x, tf.stack([n, h, w, s, s, c]))
        x = tf.transpose(x, [0, 1, 3, 2, 4, 5])
        return tf.reshape(x, tf.stack([n, h * s, w * s, c]))

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        s = self.scale
        return (
            n,
            None if h is None else h * s,
            None if w is None else w * s,
            c // (s * s),
        )

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


def srcnn_kernels(variant: str) -> tuple[int, int, int]:
    """Kernel sizes of an SRCNN variant string such as ``"9-1-5"`` or ``"9-5-5"``."""
    try:
        sizes = tuple(int(k) for k in variant.split("-"))
    except ValueError:
        sizes = ()
    if len(sizes) != 3 or min(sizes) < 1 or any(k % 2 == 0 for k in sizes):
        raise ValueError(
            f"SRCNN variant must be three odd kernel sizes like 9-1-5, got {variant!r}"
        )
    return sizes  # type: ignore[return-value]


def srcnn_border(variant: str = "9-1-5") -> int:
    """Pixels lost on each side by SRCNN's valid convolutions (6 for 9-1-5, 8 for 9-5-5)."""
    return sum(k // 2 for k in srcnn_kernels(variant))


def srcnn(variant: str = "9-1-5", channels: int = 1, init: str = "gaussian") -> keras.Model:
    """SRCNN on ``(N, H, W, channels)`` bicubic input -> ``(N, H-2b, W-2b, channels)``.

    ``init="gaussian"``: every kernel drawn from a Gaussian with standard deviation 0.001, zero
    biases (paper, Sec. 4.1). ``init="he"``: He-normal kernels for the two ReLU layers, conv3 as
    in the paper (why: docs/sr-training-notes.md).
    """
    if init not in SRCNN_INITS:
        raise ValueError(f"SRCNN init must be one of {SRCNN_INITS}, got {init!r}")
    k1, k2, k3 = srcnn_kernels(variant)
    gaussian = keras.initializers.RandomNormal(stddev=1e-3)
    hidden = gaussian if init == "gaussian" else "he_normal"
    x = inputs = keras.Input((None, None, channels), name="bicubic")
    for i, (k, f) in enumerate(zip((k1, k2), SRCNN_FILTERS, strict=True), start=1):
        x = keras.layers.Conv2D(
            f, k, activation="relu", kernel_initializer=hidden, name=f"conv{i}"
        )(x)
    x = keras.layers.Conv2D(
        channels, k3, kernel_initializer=gaussian, name="conv3", dtype="float32"
    )(x)
    return keras.Model(inputs, x, name=f"srcnn_{variant.replace('-', '_')}")


def _vdsr_body(x, depth: int, width: int, out_channels: int, last_init: str = "he_normal"):
    """``depth`` zero-padded 3x3 convolutions, ReLU after all but the last, He initialisation
    (``last_init`` for the last one)."""
    for i in range(1, depth):
        x = keras.layers.Conv2D(
            width,
            3,
            padding="same",
            activation="relu",
            kernel_initializer="he_normal",
            name=f"conv{i}",
        )(x)
    return keras.layers.Conv2D(
        out_channels, 3, padding="same", kernel_initializer=last_init, name=f"conv{depth}"
    )(x)


def vdsr(depth: int = VDSR_DEPTH, width: int = VDSR_WIDTH) -> keras.Model:
    """VDSR: bicubic Y ``(N, H, W, 1)`` -> bicubic + predicted residual, same size."""
    bicubic = keras.Input((None, None, 1), name="bicubic")
    residual = _vdsr_body(bicubic, depth, width, 1)
    residual = keras.layers.Activation("linear", dtype="float32", name="residual")(residual)
    out = keras.layers.Add(dtype="float32", name="output")([bicubic, residual])
    return keras.Model(bicubic, out, name="vdsr")


def vdsr_sp(
    scale: int, depth: int = VDSR_DEPTH, width: int = VDSR_WIDTH, residual: bool = True
) -> keras.Model:
    """VDSR body in low-resolution space with a sub-pixel output.

    Inputs: ``lr`` ``(N, h, w, 1)`` and, when ``residual``, ``bicubic`` ``(N, h*s, w*s, 1)``;
    output ``(N, h*s, w*s, 1)``. With the residual, the last convolution starts at zero, so the
    untrained model is exactly the bicubic upscaling (why: docs/sr-training-notes.md).
    """
    lr = keras.Input((None, None, 1), name="lr")
    last_init = "zeros" if residual else "he_normal"
    x = _vdsr_body(lr, depth, width, scale * scale, last_init)
    x = PixelShuffle(scale, name="pixel_shuffle")(x)
    x = keras.layers.Activation("linear", dtype="float32", name="shuffled")(x)
    if not residual:
        return keras.Model(lr, x, name=f"vdsr_sp_x{scale}")
    bicubic = keras.Input((None, None, 1), name="bicubic")
    out = keras.layers.Add(dtype="float32", name="output")([bicubic, x])
    return keras.Model([lr, bicubic], out, name=f"vdsr_sp_x{scale}")
