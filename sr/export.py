"""Export a super-resolution network for serving: a SavedModel and a TFLite file of one function.

The exported function is the whole of ``sr_upscale.py --no-tile`` in one float32 graph: an RGB
uint8 image ``(H, W, 3)`` of any size goes in, the upscaled RGB uint8 image ``(s*H, s*W, 3)``
comes out. Inside, as :func:`sr.tiling.upscale_rgb` does it:

1. RGB / 255 to YCbCr in [0, 1] (MATLAB's ``rgb2ycbcr``, :func:`imaging.rgb_to_ycbcr_tf`);
2. Y, Cb and Cr upscaled by MATLAB's bicubic ``imresize`` (:func:`imaging.imresize_tf`; in the
   TFLite file :func:`bicubic_up_lite`, its convolution path in TFLite's built-in ops);
3. Y through the network as :func:`sr.inference.make_predictor` runs it (SRCNN gets its bicubic
   input extended by its border by symmetric reflection; VDSR takes the bicubic Y; VDSR-sp the
   low-resolution Y, plus the bicubic Y with the global residual);
4. the network's Y with the bicubic CbCr back to RGB (:func:`imaging.ycbcr_to_rgb_tf`), clipped
   to [0, 1], times 255, rounded half to even to uint8 (the only rounding, as in ``upscale_rgb``).

Nothing here reads this project at serving time: ``tf.saved_model.load`` alone runs it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import keras
import numpy as np

from common.errors import UserError
from common.quiet import tf
from common.runconfig import CONFIG_NAME, write_run_config
from imaging import imresize_tf, rgb_to_ycbcr_tf, ycbcr_to_rgb_tf
from imaging.resize import polyphase_kernel
from sr.models import srcnn_border

#: Name of the serving signature, its input and its output.
SIGNATURE = "serving_default"
INPUT_NAME = "image"
OUTPUT_NAME = "upscaled"
#: The TFLite file written beside the SavedModel in the export directory.
TFLITE_NAME = "model.tflite"
#: What the export directory holds besides the SavedModel: how it was made (the run-config rule:
#: ``config.json`` in a run folder). Exports written before the rule have ``export.json``.
INFO_NAME = CONFIG_NAME
OLD_INFO_NAME = "export.json"
#: Smallest side accepted (as ``sr_upscale.py``): SRCNN's reflected border needs the room.
MIN_SIDE = 4


class ExportModule(tf.Module):
    """``serve(image)``: RGB uint8 ``(H, W, 3)`` -> ``{"upscaled": uint8 (s*H, s*W, 3)}``.

    ``net`` is a float32 network from :func:`sr.weights.load_model` for ``model`` at ``scale``.
    ``serve_lite`` is the same function with :func:`bicubic_up_lite` in place of
    :func:`imaging.imresize_tf` (whose float64 weight computation TFLite has no built-in ops
    for); the tests hold both to ``sr_upscale.py --no-tile``.
    """

    def __init__(self, net: keras.Model, model: str, scale: int, srcnn_variant: str = "9-1-5"):
        super().__init__(name=f"{model}_x{scale}")
        # The module tracks the tf.Variables under Keras 3's variables, not the Keras model:
        # TFLite's converter freezes plain tf.Variables (behind Keras's wrappers it leaves them
        # uninitialised), and the SavedModel holds each weight once.
        self.tf_variables = [v.value for v in net.variables]
        self._net = lambda x: net(x, training=False)  # a plain function: not tracked
        self.model = model
        self.scale = int(scale)
        self.border = srcnn_border(srcnn_variant) if model == "srcnn" else 0
        self.two_inputs = model == "vdsr_sp" and len(net.inputs) == 2

    @tf.function(input_signature=[tf.TensorSpec((None, None, 3), tf.uint8, name=INPUT_NAME)])
    def serve(self, image: tf.Tensor) -> dict[str, tf.Tensor]:
        return {OUTPUT_NAME: self.upscale(image, lambda x: imresize_tf(x, float(self.scale)))}

    @tf.function(input_signature=[tf.TensorSpec((None, None, 3), tf.uint8, name=INPUT_NAME)])
    def serve_lite(self, image: tf.Tensor) -> dict[str, tf.Tensor]:
        return {OUTPUT_NAME: self.upscale(image, lambda x: bicubic_up_lite(x, self.scale))}

    def upscale(self, image: tf.Tensor, resize) -> tf.Tensor:
        """uint8 RGB ``(h, w, 3)`` -> uint8 RGB ``(s*h, s*w, 3)``; ``resize`` is the bicubic."""
        tf.debugging.assert_greater_equal(
            tf.reduce_min(tf.shape(image)[:2]),
            MIN_SIDE,
            message=f"image sides must be at least {MIN_SIDE} pixels",
        )
        rgb = tf.cast(image, tf.float32) / 255.0
        ycbcr = rgb_to_ycbcr_tf(rgb)[None]  # (1, h, w, 3) in [0, 1]
        up = resize(ycbcr)  # (1, s*h, s*w, 3), float32
        sr_y = self.network_y(ycbcr[..., :1], up[..., :1])
        out = ycbcr_to_rgb_tf(tf.concat([sr_y, up[..., 1:]], axis=-1))[0]
        pixels = tf.round(tf.clip_by_value(out, 0.0, 1.0) * 255.0)  # half to even, like np.rint
        return tf.cast(pixels, tf.uint8)

    def network_y(self, lr_y: tf.Tensor, bicubic_y: tf.Tensor) -> tf.Tensor:
        """The network's Y ``(1, s*h, s*w, 1)`` in [0, 1] from LR and bicubic Y in [0, 1]."""
        if self.model == "srcnn":
            b = self.border
            padded = tf.pad(bicubic_y, [[0, 0], [b, b], [b, b], [0, 0]], "SYMMETRIC")
            return self._net(padded)
        if self.model == "vdsr":
            return self._net(bicubic_y)
        if self.two_inputs:
            return self._net([lr_y, bicubic_y])
        return self._net(lr_y)


def bicubic_up_lite(image: tf.Tensor, scale: int) -> tf.Tensor:
    """MATLAB bicubic upscaling by an integer ``scale`` of ``(N, H, W, C)`` float32, sides >= 3.

    :func:`imaging.imresize_tf`'s convolution path (rows, then columns; the MATLAB weights of
    :func:`imaging.resize.polyphase_kernel`) with the output length computed in integers, and
    without the gather path it takes for sides under 8 (symmetric padding by 3 covers every tap
    from 3 pixels on), so that it converts to TFLite built-in ops.
    """
    kernel, pad_before, _ = polyphase_kernel(float(scale), scale)
    for axis in (1, 2):
        image = _upscale_axis(image, kernel, pad_before, axis)
    return image


def _upscale_axis(image: tf.Tensor, kernel: np.ndarray, pad_before: int, axis: int) -> tf.Tensor:
    """Axis 1 (H) or 2 (W) of ``(N, H, W, C)``: pad, one output channel per phase, interleave."""
    length, phases = kernel.shape
    perm = [0, 3, 2, 1] if axis == 1 else [0, 3, 1, 2]  # the resized axis last
    moved = tf.transpose(image, perm)
    # static sizes where known, so that TFLite's converter still knows the channel count
    n, c, other, size = (
        s if s is not None else d
        for s, d in zip(moved.shape, tf.unstack(tf.shape(moved)), strict=True)
    )
    planes = tf.reshape(moved, tf.stack([n * c, other, size, 1]))
    pads = [[0, 0], [0, 0], [pad_before, length - 1 - pad_before], [0, 0]]
    padded = tf.pad(planes, pads, mode="SYMMETRIC")
    filt = tf.constant(kernel.reshape(1, length, 1, phases), image.dtype)
    out = tf.nn.conv2d(padded, filt, 1, "VALID")  # (n*c, other, size, phases)
    out = tf.reshape(out, tf.stack([n, c, other, size * phases]))
    return tf.transpose(out, [0, 3, 2, 1] if axis == 1 else [0, 2, 3, 1])


def to_tflite(module: ExportModule, work_dir: str | os.PathLike) -> bytes:
    """:meth:`ExportModule.serve_lite` as a TFLite flatbuffer of built-in ops only, dynamic H and W.

    Built-in ops only, because the Python interpreter of TensorFlow >= 2.20 (``tf.lite``) no
    longer carries the Flex delegate that ``SELECT_TF_OPS`` needs. The function goes through a
    SavedModel in ``work_dir`` (an empty or new directory, deleted by the caller): that way the
    converter freezes the weights and keeps the signature's names.
    """
    signatures = {SIGNATURE: module.serve_lite.get_concrete_function()}
    tf.saved_model.save(module, os.fspath(work_dir), signatures=signatures)
    converter = tf.lite.TFLiteConverter.from_saved_model(os.fspath(work_dir), [SIGNATURE])
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    try:
        return converter.convert()
    except Exception as err:  # the converter raises ConverterError and others
        raise UserError(f"TFLite conversion failed: {' '.join(str(err).split())[:300]}") from None


def is_export_dir(path: Path) -> bool:
    """True for a directory this module wrote (a SavedModel with our ``config.json``)."""
    info = (path / INFO_NAME).is_file() or (path / OLD_INFO_NAME).is_file()
    return (path / "saved_model.pb").is_file() and info


def write_export(
    module: ExportModule, out_dir: str | os.PathLike, info: dict, *, overwrite: bool = False
) -> None:
    """Write the SavedModel, ``model.tflite`` and ``config.json`` to ``out_dir`` atomically.

    Everything is written to a temporary directory beside ``out_dir`` and renamed into place, so
    ``out_dir`` is complete or absent. An existing ``out_dir`` is refused unless ``overwrite``,
    and even then only an earlier export (or an empty directory) is replaced.
    """
    out = Path(out_dir)
    _check_target(out, overwrite)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        signatures = {SIGNATURE: module.serve.get_concrete_function()}
        tf.saved_model.save(module, os.fspath(tmp), signatures=signatures)
        with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}.lite.") as work:
            (tmp / TFLITE_NAME).write_bytes(to_tflite(module, work))
        write_run_config(tmp, info, folder=True, signature=signature_info(module))
        tmp.chmod(0o777 & ~_umask())
        _replace_dir(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def signature_info(module: ExportModule) -> dict:
    """The signature's name, input and output, for ``config.json``."""
    s = module.scale
    return {
        "name": SIGNATURE,
        "input": {"name": INPUT_NAME, "dtype": "uint8", "shape": ["H", "W", 3]},
        "output": {"name": OUTPUT_NAME, "dtype": "uint8", "shape": [f"{s}*H", f"{s}*W", 3]},
    }


def _check_target(out: Path, overwrite: bool) -> None:
    if not out.parent.is_dir():
        raise UserError(f"{out}: directory {out.parent} does not exist")
    if not (out.exists() or out.is_symlink()):
        return
    if not overwrite:
        raise UserError(f"{out} exists; choose another OUT_DIR or pass --overwrite")
    if not out.is_dir() or out.is_symlink():
        raise UserError(f"{out} exists and is not a directory; not replacing it")
    if any(out.iterdir()) and not is_export_dir(out):
        raise UserError(f"{out} is not an earlier export (no saved_model.pb and {INFO_NAME})")


def _replace_dir(tmp: Path, out: Path) -> None:
    """Rename ``tmp`` to ``out``; an existing ``out`` is moved aside first and then deleted."""
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
        os.replace(out, old / out.name)
    try:
        os.replace(tmp, out)
    except OSError:
        if old is not None:  # put the earlier export back
            with contextlib.suppress(OSError):
                os.replace(old / out.name, out)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
