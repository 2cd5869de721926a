"""The papers' evaluation protocol (:mod:`sr.protocol`) over dataset folders of image files.

:func:`prepare` applies steps 1-3 to one ground-truth file, :func:`evaluate` runs an upscaler over
a folder and scores each image by step 4, :class:`DatasetScore` holds the means.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from imaging import ImageError, load_image_eval, modcrop
from sr.protocol import Upscaler, degrade, measure, round_uint8, y_plane


@dataclass(frozen=True)
class Sample:
    """One test image prepared by the protocol; Y planes as float64 holding 0..255 integers."""

    name: str
    hr_y: np.ndarray
    lr_y: np.ndarray
    bicubic_y: np.ndarray
    rgb: np.ndarray | None  # modcropped uint8 RGB, None for grayscale files


@dataclass
class ImageScore:
    """PSNR (dB) and SSIM of one image's Y by step 4 of the protocol."""

    name: str
    psnr: float
    ssim: float


@dataclass
class DatasetScore:
    """The scores of every image of a dataset at one scale; ``psnr`` and ``ssim`` are means."""

    model: str
    dataset: str
    scale: int
    images: list[ImageScore] = field(default_factory=list)

    @property
    def psnr(self) -> float:
        return float(np.mean([s.psnr for s in self.images]))

    @property
    def ssim(self) -> float:
        return float(np.mean([s.ssim for s in self.images]))

    def as_dict(self) -> dict:
        return {
            "model": self.model,
            "dataset": self.dataset,
            "scale": self.scale,
            "psnr": round(self.psnr, 4),
            "ssim": round(self.ssim, 5),
            "images": [
                {"name": s.name, "psnr": round(s.psnr, 4), "ssim": round(s.ssim, 5)}
                for s in self.images
            ],
        }


def list_images(directory: str | os.PathLike) -> list[Path]:
    """Image files of a dataset folder, sorted by name; ``ImageError`` if none or not a folder."""
    folder = Path(directory)
    if not folder.is_dir():
        raise ImageError(f"{folder}: no such dataset directory")
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    if not files:
        raise ImageError(f"{folder}: the dataset directory is empty")
    return files


def prepare(path: str | os.PathLike, scale: int) -> Sample:
    """Steps 1-3 of the protocol for one ground-truth image file (``ImageError`` if too small)."""
    image = modcrop(load_image_eval(path), scale)
    height, width = image.shape[:2]
    if min(height, width) < 4 * scale:
        raise ImageError(f"{path}: {width}x{height} is too small for x{scale} evaluation")
    planes = degrade(y_plane(image), scale)  # the one degradation, shared with training
    rgb = None if image.shape[-1] == 1 else image
    as_float = (planes.hr, planes.lr, planes.bicubic)
    return Sample(Path(path).stem, *(p.astype(np.float64) for p in as_float), rgb)


def score(sample: Sample, sr_y: np.ndarray, scale: int) -> ImageScore:
    """Step 4 (:func:`sr.protocol.measure`) for one prepared sample."""
    return ImageScore(sample.name, *measure(sample.hr_y, sr_y, scale))


def evaluate(
    upscaler: Upscaler, model: str, dataset: str | os.PathLike, scale: int
) -> Iterator[tuple[Sample, np.ndarray, DatasetScore]]:
    """Run ``upscaler`` over a dataset, yielding each sample, its output and the score so far.

    The caller decides what to print or save; the last ``DatasetScore`` yielded is complete.
    """
    result = DatasetScore(model, Path(dataset).name, scale)
    for path in list_images(dataset):
        sample = prepare(path, scale)
        sr_y = round_uint8(upscaler(sample.lr_y, sample.bicubic_y)).astype(np.float64)
        result.images.append(score(sample, sr_y, scale))
        yield sample, sr_y, result


def evaluate_dataset(
    upscaler: Upscaler, model: str, dataset: str | os.PathLike, scale: int
) -> DatasetScore:
    """Score a whole dataset folder at one scale (:func:`evaluate` without the per-image view)."""
    result = DatasetScore(model, Path(dataset).name, scale)
    for _, _, result in evaluate(upscaler, model, dataset, scale):  # noqa: B007
        pass
    return result
