"""Running a trained network on whole Y images, and the protocol's PSNR on a validation set.

Test-time borders: SRCNN is trained with valid convolutions, so at test time its bicubic input
is first extended by the network's border (6 pixels for 9-1-5) by symmetric reflection; the
output then has the input's size. VDSR and VDSR-sp use zero padding in training and test.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf

from imaging import load_image_eval
from sr.models import srcnn_border
from sr.protocol import Degraded, Upscaler, degrade, measure, y_plane


def make_predictor(net: keras.Model, model: str, srcnn_variant: str = "9-1-5") -> Upscaler:
    """An :data:`~sr.protocol.Upscaler` running ``net`` (a ``model`` network) on one image's Y
    planes (0..255; the network sees them / 255 in float32 and its output is scaled back)."""
    spec = tf.TensorSpec((1, None, None, 1), tf.float32)

    if model == "srcnn":
        border = srcnn_border(srcnn_variant)

        @tf.function(input_signature=[spec], reduce_retracing=True)
        def run(bicubic):
            padded = tf.pad(bicubic, [[0, 0], [border] * 2, [border] * 2, [0, 0]], "SYMMETRIC")
            return net(padded, training=False)

        return lambda lr, bic: _call(run, bic)

    if model == "vdsr" or (model == "vdsr_sp" and len(net.inputs) == 1):

        @tf.function(input_signature=[spec], reduce_retracing=True)
        def run_one(x):
            return net(x, training=False)

        if model == "vdsr":
            return lambda lr, bic: _call(run_one, bic)
        return lambda lr, bic: _call(run_one, lr)

    @tf.function(input_signature=[spec, spec], reduce_retracing=True)
    def run_two(lr, bicubic):
        return net([lr, bicubic], training=False)

    return lambda lr, bic: _call(run_two, lr, bic)


def _call(fn, *planes: np.ndarray) -> np.ndarray:
    tensors = [tf.constant(np.asarray(p, np.float32)[None, :, :, None] / 255.0) for p in planes]
    return fn(*tensors).numpy()[0, :, :, 0].astype(np.float64) * 255.0


def load_validation(paths: Sequence[str], scales: Sequence[int]) -> dict[int, list[Degraded]]:
    """Degraded Y versions of every image in ``paths`` at every scale (the evaluation protocol)."""
    planes = [y_plane(load_image_eval(p)) for p in paths]
    return {s: [degrade(y, s) for y in planes] for s in scales}


def evaluate(predict: Upscaler, images: Sequence[Degraded], with_ssim: bool = False) -> dict:
    """Mean PSNR (and SSIM) by the protocol's step 4, :func:`sr.protocol.measure`."""
    scores = [measure(d.hr, predict(d.lr, d.bicubic), d.scale) for d in images]
    result = {"psnr": float(np.mean([p for p, _ in scores]))}
    if with_ssim:
        result["ssim"] = float(np.mean([q for _, q in scores]))
    return result
