"""Batch sources for the trainer: patches from a file, or random crops degraded on the fly.

Both give batches as a function of ``(seed, epoch, step)`` only, so training resumes exactly.

:class:`PatchSet` holds an ``sr_prepare.py`` file in memory; its batches are drawn in an order
fixed by ``(seed, epoch)`` and assembled in NumPy (:func:`prefetch` builds the next one in a
thread while the current one trains).

:class:`OnTheFly` is a ``tf.data`` pipeline for long runs: every example is a random crop of a
random training image (stateless random ops keyed by seed, epoch and index), degraded in
TensorFlow with the MATLAB-compatible ``imresize_tf`` exactly like the patch files (crop offsets
on the LR grid and a margin of ``5 s`` HR pixels so the crop's degradation equals the whole
image's), optionally rotated/flipped, and shaped for the model.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import h5py
import numpy as np
import tensorflow as tf

from common.errors import UserError
from imaging import imresize_tf, load_image_eval
from sr.data import dihedral, rescale_images
from sr.paths import image_files
from sr.protocol import y_plane

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


class PatchSet:
    """Patches of an ``sr_prepare.py`` file held in memory as uint8 ``(n, h, w)`` arrays."""

    def __init__(self, arrays: dict[str, np.ndarray], attrs: dict):
        self.arrays = arrays
        self.attrs = attrs
        self.count = len(arrays["label"])

    @classmethod
    def load(cls, path: str, scales: tuple[int, ...] | None = None) -> PatchSet:
        try:
            with h5py.File(path, "r") as h5:
                arrays = {k: h5[k][...] for k in h5}
                attrs = dict(h5.attrs)
        except OSError as err:
            raise UserError(f"cannot read patch file {path}: {err}") from None
        if "label" not in arrays or "bicubic" not in arrays:
            raise UserError(f"{path} is not a patch file written by sr_prepare.py")
        if scales:
            keep = np.isin(arrays["scale"], scales)
            if not keep.any():
                have = sorted(set(arrays["scale"].tolist()))
                raise UserError(f"{path} has no patches at scales {scales} (it has {have})")
            arrays = {k: v[keep] for k, v in arrays.items()}
        return cls(arrays, attrs)

    @property
    def recipe(self) -> str:
        value = self.attrs.get("recipe", "")
        return value.decode() if isinstance(value, bytes) else str(value)

    def batch(
        self,
        epoch: int,
        step: int,
        *,
        model: str,
        batch_size: int,
        seed: int,
        augment: bool = False,
        border: int = 0,
        residual: bool = True,
    ) -> Batch:
        """Inputs and label of batch ``step`` of ``epoch``, float32 ``(B, h, w, 1)`` in [0, 1].

        The order is a function of ``(seed, epoch)``, the rotation/flip (``augment``) of
        ``(seed, epoch, step)``. ``model`` decides the inputs: ``srcnn`` (bicubic; the label
        cropped by ``border`` pixels a side), ``vdsr`` (bicubic), ``vdsr_sp`` (lr, and bicubic
        with the global ``residual``).
        """
        order = _permutation(seed, epoch, self.count)
        idx = np.sort(order[step * batch_size : (step + 1) * batch_size])
        arrays = {k: v[idx] for k, v in self.arrays.items() if k != "scale"}
        if augment:
            ks = np.random.default_rng([seed, epoch, step, 1]).integers(0, 8, len(idx))
            arrays = {
                key: np.stack([dihedral(a, k) for a, k in zip(value, ks, strict=True)])
                for key, value in arrays.items()
            }
        label = arrays["label"]
        if model == "srcnn":
            out = arrays["bicubic"].shape[1] - 2 * border
            return (_unit(arrays["bicubic"]),), _unit(_center_crop(label, out))
        if model == "vdsr":
            return (_unit(arrays["bicubic"]),), _unit(label)
        if residual:
            return (_unit(arrays["lr"]), _unit(arrays["bicubic"])), _unit(label)
        return (_unit(arrays["lr"]),), _unit(label)


def _unit(batch: np.ndarray) -> np.ndarray:
    return (batch.astype(np.float32) / 255.0)[..., None]


def _center_crop(batch: np.ndarray, size: int) -> np.ndarray:
    off = (batch.shape[1] - size) // 2
    return batch[:, off : off + size, off : off + size]


@lru_cache(maxsize=2)
def _permutation(seed: int, epoch: int, count: int) -> np.ndarray:
    """The batch order of an epoch: a function of ``(seed, epoch)`` only (computed once)."""
    order = np.random.default_rng([seed, epoch]).permutation(count)
    order.flags.writeable = False
    return order


def prefetch(make_batch, epoch: int, steps: Iterable[int]) -> Iterator:
    """``make_batch(epoch, step)`` for each step, the next one assembled in a thread while the
    caller trains on the current one (NumPy releases the GIL)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = None
        for step in steps:
            future = pool.submit(make_batch, epoch, step)
            if pending is not None:
                yield pending.result()
            pending = future
        if pending is not None:
            yield pending.result()


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
