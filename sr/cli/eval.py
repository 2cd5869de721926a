"""``sr-eval``: PSNR/SSIM of a super-resolution model on Set5/Set14-style folders, by the papers'
protocol (:mod:`sr.protocol`).

Example::

    python scripts/sr_eval.py --model bicubic --dataset Set5 Set14 --scale 2 3 4 --json
    python scripts/sr_eval.py --model vdsr --self-ensemble --dataset Set5 --scale 2   # "vdsr+"
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from common.cli import ArgumentParser, add_config_flags, config_from_args, flag, run_main
from common.errors import UserError
from common.precision import PRECISIONS, warn_precision
from common.progress import progress
from common.runconfig import write_run_config
from imaging import imresize, rgb_to_ycbcr, save_image, ycbcr_to_rgb
from sr.evaluation import DatasetScore, Sample, evaluate, list_images
from sr.paths import datasets_dir
from sr.protocol import check_scales
from sr.results import published
from sr.upscalers import MODELS, ModelUpscaler, get_upscaler

PROG = "sr_eval"


@dataclass(frozen=True)
class EvalConfig:
    """One ``sr_eval`` run: which model, on which dataset folders, at which scales."""

    model: str = field(default="bicubic", metadata=flag("model to evaluate", choices=MODELS))
    weights: str | None = field(
        default=None, metadata=flag("weights file (default: the shipped weights)")
    )
    dataset: tuple[str, ...] = field(
        default=(),
        metadata=flag(
            "dataset folders of ground-truth images; a bare name such as Set5 is looked up in "
            "--data-dir",
            nargs="+",
            required=True,
            metavar="DIR",
        ),
    )
    data_dir: str | None = field(
        default=None,
        metadata=flag(
            "where bare dataset names are found (default: $SR_DATA_DIR, else data/datasets if "
            "it holds Set5, else ../shared/datasets)"
        ),
    )
    scale: tuple[int, ...] = field(
        default=(2, 3, 4), metadata=flag("scales", nargs="+", type=int, metavar="N")
    )
    precision: str = field(
        default="float32",
        metadata=flag(
            "network precision: float32 (the reference) or mixed_bfloat16 (faster on CPUs with "
            "AVX-512 BF16 and on recent GPUs)",
            choices=PRECISIONS,
        ),
    )
    self_ensemble: bool = field(
        default=False,
        metadata=flag(
            "geometric self-ensemble: average the outputs for the 8 flips/rotations of the "
            "input (8x the time); reported as model MODEL+, e.g. vdsr+",
            action="store_true",
        ),
    )
    output_dir: str | None = field(
        default=None, metadata=flag("also write the reconstructed RGB images here")
    )
    json: bool = field(
        default=False, metadata=flag("print one JSON list instead of a table", action="store_true")
    )

    def __post_init__(self) -> None:
        check_scales(self.scale)
        if self.model not in MODELS:
            raise UserError(f"unknown model {self.model!r}; choose from {', '.join(MODELS)}")
        if self.precision not in PRECISIONS:
            raise UserError(f"precision must be one of {', '.join(PRECISIONS)}")

    @property
    def name(self) -> str:
        """The model's name in the results: ``MODEL+`` with the self-ensemble."""
        return self.model + ("+" if self.self_ensemble else "")


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog=PROG,
        description="PSNR/SSIM on the Y channel with the protocol of the SR papers' tables "
        "(MATLAB rgb2ycbcr and bicubic, shave = scale).",
    )
    add_config_flags(parser, EvalConfig)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    config = config_from_args(parser, EvalConfig, parser.parse_args(argv))
    warn_precision(PROG, config.precision)
    return run_main(PROG, lambda: run(config))


def resolve_dataset(name: str, data_dir: str | os.PathLike) -> Path:
    """``name`` itself if it is a folder or a path, else ``data_dir / name`` when that exists."""
    path = Path(name)
    if path.is_dir() or os.sep in name or not (Path(data_dir) / name).is_dir():
        return path
    return Path(data_dir) / name


def run(config: EvalConfig) -> int:
    """Score every dataset at every scale; print a table (or JSON) on stdout."""
    data_dir = config.data_dir or str(datasets_dir())
    datasets = [resolve_dataset(name, data_dir) for name in config.dataset]
    for folder in datasets:
        list_images(folder)  # fail on a missing or empty folder before any work
    upscalers = {
        scale: get_upscaler(config.model, scale, config.weights, precision=config.precision)
        for scale in config.scale
    }
    if config.self_ensemble:
        upscalers = {scale: up.ensembled() for scale, up in upscalers.items()}
    if config.output_dir:  # the run's config.json beside the images it writes
        Path(config.output_dir).mkdir(parents=True, exist_ok=True)
        folders = [str(d) for d in datasets]
        write_run_config(
            config.output_dir, config, folder=True, data_dir=data_dir, dataset_dirs=folders
        )
    scores = [
        evaluate_folder(config, folder, scale, upscalers[scale])
        for folder in datasets
        for scale in config.scale
    ]
    if config.json:
        print(json.dumps([s.as_dict() for s in scores], indent=2))
    else:
        print(format_table(scores))
    return 0


def evaluate_folder(
    config: EvalConfig, folder: Path, scale: int, upscaler: ModelUpscaler
) -> DatasetScore:
    """One dataset at one scale, with a progress bar; the images saved under ``--output-dir``."""
    bar = progress(
        len(list_images(folder)), desc=f"{folder.name} x{scale}", unit="img", leave=False
    )
    result = DatasetScore(config.name, folder.name, scale)
    out_dir = Path(config.output_dir or ".") / config.name / folder.name / f"x{scale}"
    for sample, sr_y, result in evaluate(upscaler, config.name, folder, scale):  # noqa: B007
        if config.output_dir:
            save_reconstruction(out_dir, sample, sr_y, scale)
        bar.update()
    bar.close()
    return result


def save_reconstruction(directory: Path, sample: Sample, sr_y: np.ndarray, scale: int) -> None:
    """Write ``NAME.png``: the SR Y (0..255) with the bicubic-upscaled CbCr of the LR image as
    RGB, or the SR Y alone for a grayscale image."""
    directory.mkdir(parents=True, exist_ok=True)
    if sample.rgb is None:
        save_image(directory / f"{sample.name}.png", sr_y / 255.0)
        return
    ycbcr = rgb_to_ycbcr(sample.rgb.astype(np.float32) / 255.0)
    cbcr = imresize(imresize(ycbcr[..., 1:], 1.0 / scale), float(scale))
    merged = np.concatenate([sr_y[..., None] / 255.0, cbcr], axis=-1)
    save_image(directory / f"{sample.name}.png", np.clip(ycbcr_to_rgb(merged), 0.0, 1.0))


def format_table(scores: list[DatasetScore]) -> str:
    """A plain-text table with the published value beside each measurement, when known."""
    header = f"{'model':<10} {'dataset':<10} {'scale':>5} {'PSNR':>8} {'SSIM':>7} {'paper':>14}"
    lines = [header, "-" * len(header)]
    for s in scores:
        ref = published(s.model, s.dataset, s.scale)
        paper = "" if ref is None else f"{ref[0]:.2f}" + (f" / {ref[1]:.4f}" if ref[1] else "")
        lines.append(
            f"{s.model:<10} {s.dataset:<10} {'x' + str(s.scale):>5} "
            f"{s.psnr:>8.3f} {s.ssim:>7.4f} {paper:>14}"
        )
    return "\n".join(lines)
