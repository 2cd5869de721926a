"""``sr-upscale``: upscale photos: Y through SRCNN / VDSR / VDSR-sp, CbCr by bicubic, in seamless
tiles.

python scripts/sr_upscale.py photo.jpg photo_x2.png --scale 2            # shipped VDSR
python scripts/sr_upscale.py photo.jpg out.png --scale 3 --model vdsr_sp
python scripts/sr_upscale.py photos/ out/ --scale 2                      # a folder job
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from common.cli import ArgumentParser, add_config_flags, config_from_args, flag, run_main
from common.errors import UserError
from common.precision import PRECISIONS, warn_precision
from common.progress import note, progress
from common.runconfig import write_run_config
from imaging import load_image, save_image
from sr.paths import IMAGE_SUFFIXES, image_files
from sr.protocol import check_scale
from sr.tiling import tile_count, upscale_rgb
from sr.upscalers import MODELS, ModelUpscaler, get_upscaler

PROG = "sr_upscale"
MAX_INPUT_PIXELS = 64_000_000
MAX_OUTPUT_PIXELS = 600_000_000
FORMATS = ("png", "jpg", "webp", "tif", "bmp")
DESCRIPTION = (
    "Upscale photos: Y through SRCNN / VDSR / VDSR-sp, CbCr by bicubic, in seamless tiles."
)


@dataclass(frozen=True)
class UpscaleConfig:
    """One ``sr_upscale`` run: ``inputs`` (images or folders) to ``output`` (image or folder)."""

    inputs: tuple[str, ...]
    output: str
    scale: int = field(metadata=flag("upscaling factor (2, 3, 4)", type=int, required=True))
    model: str = field(default="vdsr", metadata=flag("network", choices=MODELS))
    weights: str | None = field(
        default=None, metadata=flag("weights file (default: the shipped weights)")
    )
    tile: int = field(default=512, metadata=flag("output tile size in pixels", type=int))
    no_tile: bool = field(
        default=False, metadata=flag("process the image in one piece", action="store_true")
    )
    self_ensemble: bool = field(
        default=False,
        metadata=flag(
            "geometric self-ensemble: average the outputs for the 8 flips/rotations of the "
            "input (8x the time)",
            action="store_true",
        ),
    )
    precision: str = field(
        default="float32",
        metadata=flag(
            "network precision; mixed_bfloat16 is several times faster on CPUs with AVX-512 BF16",
            choices=PRECISIONS,
        ),
    )
    format: str = field(
        default="png", metadata=flag("output format", choices=FORMATS, group="folder jobs")
    )
    overwrite: bool = field(
        default=False,
        metadata=flag(
            "redo outputs that already exist (by default they are skipped, so an interrupted "
            "job resumes where it stopped)",
            action="store_true",
            group="folder jobs",
        ),
    )

    def __post_init__(self) -> None:
        check_scale(self.scale)
        if self.tile < 16:
            raise UserError("--tile must be at least 16 pixels")
        if self.model not in MODELS:
            raise UserError(f"unknown model {self.model!r}; choose from {', '.join(MODELS)}")
        if self.format not in FORMATS:
            raise UserError(f"--format must be one of {', '.join(FORMATS)}")

    @property
    def tile_lr(self) -> int | None:
        """Tile side in low-resolution pixels, None for one piece."""
        return None if self.no_tile else max(1, self.tile // self.scale)

    @property
    def folder_job(self) -> bool:
        """Several inputs, an input folder, or an existing output folder make a folder job."""
        return len(self.inputs) > 1 or Path(self.inputs[0]).is_dir() or Path(self.output).is_dir()


def build_parser() -> ArgumentParser:
    p = ArgumentParser(prog=PROG, description=DESCRIPTION)
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="image to upscale (any format the loader reads); several images or folders make "
        "a folder job (the image files directly inside each folder, by extension)",
    )
    p.add_argument(
        "output",
        metavar="OUTPUT",
        help="output image, the format following the extension; for a folder job (several "
        "inputs, a folder, or an existing folder as output) the output folder, where each "
        "input is written as STEM.png (see --format)",
    )
    add_config_flags(p, UpscaleConfig)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    base = {"inputs": tuple(args.inputs), "output": args.output}
    config = config_from_args(parser, UpscaleConfig, args, **base)
    warn_precision(PROG, config.precision)
    run = run_folder if config.folder_job else run_one
    return run_main(PROG, lambda: run(config))


def build_upscaler(config: UpscaleConfig) -> ModelUpscaler:
    """The network (built once), with the self-ensemble when asked; it carries its tile margin."""
    upscaler = get_upscaler(config.model, config.scale, config.weights, precision=config.precision)
    return upscaler.ensembled() if config.self_ensemble else upscaler


def load_photo(path: str | os.PathLike, scale: int) -> np.ndarray:
    """Float RGB ``(h, w, 3)`` in [0, 1]; ``UserError`` if unreadable, too small or too large."""
    image = load_image(path, max_pixels=MAX_INPUT_PIXELS)
    h, w = image.shape[:2]
    if min(h, w) < 4:
        raise UserError(f"{path}: {w}x{h} is too small to upscale")
    if h * w * scale**2 > MAX_OUTPUT_PIXELS:
        raise UserError(
            f"{path}: the x{scale} output would have "
            f"{h * w * scale**2 / 1e6:.0f} megapixels (limit {MAX_OUTPUT_PIXELS // 10**6})"
        )
    return image


def run_one(config: UpscaleConfig) -> int:
    """One image to one image file, with its config as ``OUT_STEM.config.json`` beside it."""
    upscaler = build_upscaler(config)
    source = config.inputs[0]
    image = load_photo(source, config.scale)
    h, w = image.shape[:2]
    total = tile_count(h, w, config.tile_lr)
    bar = progress(total, desc=f"x{config.scale} {config.model}", unit="tile")
    result = upscale_rgb(
        image,
        upscaler,
        config.scale,
        tile_lr=config.tile_lr,
        margin=upscaler.margin,
        progress=bar.update,
    )
    bar.close()
    save_image(config.output, result)
    write_run_config(config.output, config, folder=False)
    s = config.scale
    print(f"{Path(source).name} {w}x{h} -> {config.output} {w * s}x{h * s}")
    return 0


def collect_jobs(inputs: list[str], out_dir: Path, fmt: str) -> tuple[list[tuple[Path, Path]], int]:
    """``(input, output)`` pairs of a folder job, and how many non-image files were ignored.

    A folder contributes the files directly inside it whose extension is an image's; a file
    named explicitly is always tried. ``UserError`` on a missing input, a folder without
    images, or two inputs (or an input and its output) sharing one output path.
    """
    files: list[Path] = []
    ignored = 0
    for name in inputs:
        path = Path(name)
        if path.is_dir():
            found = image_files(path)
            if not found:
                raise UserError(f"{path}: no image files ({' '.join(IMAGE_SUFFIXES)}) in it")
            files += found
            others = (p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
            ignored += sum(1 for p in others if p not in found)
        elif path.exists():
            files.append(path)
        else:
            raise UserError(f"{name}: no such file or folder")
    jobs, taken = [], {}
    for src in files:
        dst = out_dir / f"{src.stem}.{fmt}"
        key = dst.resolve()
        if key in taken:
            raise UserError(f"{taken[key]} and {src} would both be written to {dst}")
        if key == src.resolve():
            raise UserError(f"{src}: the output would overwrite the input; choose another folder")
        taken[key] = src
        jobs.append((src, dst))
    return jobs, ignored


def run_folder(config: UpscaleConfig) -> int:
    """Every input image to ``OUTPUT/STEM.FORMAT``; existing outputs are skipped (resume) unless
    ``--overwrite``; a failing image is reported and counted, and the others go on.

    The folder holds the images only (resuming compares its listing), so the run's config goes
    beside it: ``OUTPUT.config.json`` for the folder ``OUTPUT``."""
    out_dir = Path(config.output)
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"{out_dir}: must be a folder when upscaling several images or a folder")
    jobs, ignored = collect_jobs(list(config.inputs), out_dir, config.format)
    upscaler = build_upscaler(config)  # the network is built once for every file
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {"written": 0, "skipped": 0, "failed": 0}
    bar = progress(len(jobs), desc=f"x{config.scale} {config.model}", unit="img")
    for src, dst in jobs:
        counts[_upscale_file(config, upscaler, src, dst)] += 1
        bar.update()
    bar.close()
    write_run_config(out_dir, config, folder=False, **counts)
    line = ", ".join(f"{n} {what}" for what, n in counts.items()) + f" -> {out_dir}"
    if counts["skipped"]:
        line += " (skipped: the output exists; --overwrite redoes it)"
    if ignored:
        line += f"; {ignored} non-image file(s) ignored"
    print(line)
    return 1 if counts["failed"] else 0


def _upscale_file(config: UpscaleConfig, upscaler: ModelUpscaler, src: Path, dst: Path) -> str:
    """One image of a folder job: ``written``, ``skipped`` (exists) or ``failed`` (reported)."""
    if dst.exists() and not config.overwrite:
        return "skipped"
    try:
        image = load_photo(src, config.scale)
        tile_lr, margin = config.tile_lr, upscaler.margin
        save_image(dst, upscale_rgb(image, upscaler, config.scale, tile_lr=tile_lr, margin=margin))
    except (UserError, OSError) as err:  # report, skip, go on with the rest
        note(f"{PROG}: failed: {_reason(err, src)}")
        return "failed"
    return "written"


def _reason(err: BaseException, src: Path) -> str:
    """One line naming the file and what went wrong."""
    if isinstance(err, OSError):
        return f"{err.filename or src}: {err.strerror or err}"
    return " ".join(str(err).split())
