"""Batch sources for the trainer: patches from a file, or random crops degraded on the fly.

Both give batches as a function of ``(seed, epoch, step)`` only, so training resumes exactly.

:class:`OnTheFly` is a ``tf.data`` pipeline for long runs: every example is a random crop of a
random training image (stateless random ops keyed by seed, epoch and index), degraded in
TensorFlow with the MATLAB-compatible ``imresize_tf`` exactly like the patch files (crop offsets
on the LR grid and a margin of ``5 s`` HR pixels so the crop's degradation equals the whole
image's), optionally rotated/flipped, and shaped for the model.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import tensorflow as tf

from common.errors import UserError
from imaging import imresize_tf, load_image_eval
from sr.data import rescale_images, y_plane
from sr.paths import image_files

Batch = tuple[tuple[np.ndarray, ...], np.ndarray]


def training_planes(folders: Sequence[str], downscale: Sequence[float] = ()) -> list[np.ndarray]:
    """uint8 Y planes ``(H, W)`` of every image in ``folders``, for :class:`OnTheFly`.

    ``downscale`` (factors in ``(0, 1]``) adds, for each image, its copies shrunk by those factors
    with the shared MATLAB bicubic (:func:`sr.data.rescale_images`), as ``sr_prepare.py
    --downscale`` does for patch files; empty keeps the images only.
    """
    planes = []
    for folder in folders:
        if not Path(folder).is_dir():
            raise UserError(f"image folder not found: {folder}")
        for path in image_files(folder):
            y = y_plane(load_image_eval(path))
            planes += rescale_images(y, tuple(downscale)) if downscale else [y]
    return planes


class OnTheFly:
    """Random ``patch x patch`` HR crops of Y images, degraded per example in TensorFlow.

    ``images``: uint8 Y planes ``(H, W)``. ``model``: ``srcnn`` (input ``patch``, centred
    label ``label_size``), ``vdsr`` (input and label ``patch``) or ``vdsr_sp`` (LR
    ``patch / s``, bicubic and label ``patch``). ``patch`` must be a multiple of every scale
    for ``vdsr_sp``.
    """

    def __init__(
        self,
        images: Sequence[np.ndarray],
        model: str,
        scales: Sequence[int],
        patch: int,
        batch_size: int,
        steps_per_epoch: int,
        *,
        label_size: int | None = None,
        residual: bool = True,
        augment: bool = True,
        seed: int = 0,
    ):
        self.model, self.scales, self.patch = model, tuple(scales), patch
        self.label_size = label_size or patch
        self.batch_size, self.steps = batch_size, steps_per_epoch
        self.residual, self.augment, self.seed = residual, augment, seed
        self.count = batch_size * steps_per_epoch
        if model == "vdsr_sp" and any(patch % s for s in self.scales):
            raise UserError(f"--patch-size {patch} must be a multiple of the scale")
        need = patch + 10 * max(self.scales)
        usable = [y for y in images if min(y.shape) >= need]
        if not usable:
            raise UserError(f"no training image is large enough ({need} px) for the crops")
        self.images = len(usable)  # the images large enough for the crops
        shapes = np.array([y.shape for y in usable], np.int32)
        self._shapes = tf.constant(shapes)
        self._offsets = tf.constant(np.concatenate([[0], np.cumsum(shapes.prod(1))[:-1]]), tf.int64)
        self._pixels = tf.constant(np.concatenate([y.ravel() for y in usable]))

    def steps_per_epoch(self) -> int:
        return self.steps

    def dataset(self, epoch: int, start_step: int = 0) -> tf.data.Dataset:
        """Batches ``start_step..steps-1`` of ``epoch`` as ``((inputs...), label)`` float32."""
        first = start_step * self.batch_size
        ds = tf.data.Dataset.range(first, self.count)
        ds = ds.map(
            lambda i: self._example(epoch, i),
            num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=True,
        )
        return ds.batch(self.batch_size, drop_remainder=True).prefetch(2)

    def batches(self, epoch: int, start_step: int) -> Iterator[Batch]:
        for inputs, label in self.dataset(epoch, start_step):
            yield tuple(x.numpy() for x in inputs), label.numpy()

    # -- one example -----------------------------------------------------------------------
    def _example(self, epoch, index):
        seed = tf.stack([tf.constant(self.seed, tf.int64) * 1_000_003 + epoch, index])
        u = tf.random.stateless_uniform([5], seed=seed, dtype=tf.float32)
        k = tf.minimum(tf.cast(u[0] * len(self._shapes), tf.int32), len(self._shapes) - 1)
        which = tf.minimum(tf.cast(u[1] * len(self.scales), tf.int32), len(self.scales) - 1)
        branches = [self._branch(k, u, s) for s in self.scales]
        out = tf.switch_case(which, branches)
        if self.augment:
            rot = tf.cast(u[4] * 8, tf.int32)
            out = tuple(_dihedral(x, rot) for x in out)
        return out[:-1], out[-1]

    def _branch(self, k, u, scale):
        def fn():
            return self._crop_and_degrade(k, u, scale)

        return fn

    def _crop_and_degrade(self, k, u, s: int):
        m, p = 5 * s, self.patch
        h, w = self._shapes[k][0], self._shapes[k][1]
        image = tf.reshape(
            self._pixels[self._offsets[k] : self._offsets[k] + tf.cast(h * w, tf.int64)],
            tf.stack([h, w]),
        )
        size = p + 2 * m
        rows = (h - size) // s + 1
        cols = (w - size) // s + 1
        top = tf.minimum(tf.cast(u[2] * tf.cast(rows, tf.float32), tf.int32), rows - 1) * s
        left = tf.minimum(tf.cast(u[3] * tf.cast(cols, tf.float32), tf.int32), cols - 1) * s
        hr = tf.cast(image[top : top + size, left : left + size], tf.float32)[..., None]
        lr = tf.clip_by_value(tf.round(imresize_tf(hr, 1.0 / s)), 0.0, 255.0)
        bicubic = tf.clip_by_value(tf.round(imresize_tf(lr, float(s))), 0.0, 255.0)
        hr, bicubic = hr[m : m + p, m : m + p] / 255.0, bicubic[m : m + p, m : m + p] / 255.0
        lr = lr[5 : 5 + p // s, 5 : 5 + p // s] / 255.0
        if self.model == "srcnn":
            off = (p - self.label_size) // 2
            return bicubic, hr[off : off + self.label_size, off : off + self.label_size]
        if self.model == "vdsr":
            return bicubic, hr
        if self.residual:
            return lr, bicubic, hr
        return lr, hr


def _dihedral(x, k):
    """The k-th (0..7) rotation/flip of an ``(H, W, C)`` tensor."""
    x = tf.image.rot90(x, k % 4)
    return tf.cond(k >= 4, lambda: tf.image.flip_left_right(x), lambda: x)
