"""``sr-export``: export a super-resolution network for serving: a TensorFlow SavedModel and a
TFLite file.

python scripts/sr_export.py --model vdsr --scale 2 export/vdsr_x2        # shipped weights
python scripts/sr_export.py --model srcnn --scale 3 --weights runs/srcnn_x3/best.weights.h5 out/

The SavedModel's signature "serving_default" takes "image", an RGB uint8 image (H, W, 3) of any
size (sides of at least 4 pixels), and returns "upscaled", the RGB uint8 image (s*H, s*W, 3),
as "sr_upscale.py --no-tile" computes it (within 1/255): MATLAB's YCbCr conversion and bicubic
upscaling, the network on Y, float32, all inside the graph (tf.saved_model.load alone runs it).
OUT_DIR/model.tflite holds the same function (within 2/255) with dynamic H and W and TFLite
built-in ops only: no SELECT_TF_OPS, so it needs no Flex delegate (which the tf.lite.Interpreter
of TensorFlow >= 2.20 lacks).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

from common.cli import ArgumentParser, add_config_flags, config_from_args, flag, run_main
from common.errors import UserError
from sr.export import OUTPUT_NAME, SIGNATURE, TFLITE_NAME, ExportModule, write_export
from sr.upscalers import shipped_weights
from sr.weights import load_model

PROG = "sr_export"
EXPORT_MODELS = ("srcnn", "vdsr", "vdsr_sp")
EXPORT_SCALES = (2, 3, 4)
DESCRIPTION = (
    "Export a super-resolution network for serving: a TensorFlow SavedModel and a TFLite file."
)


@dataclass(frozen=True)
class ExportConfig:
    """One ``sr_export`` run: ``model`` at ``scale`` to the folder ``out_dir``."""

    out_dir: str
    model: str = field(default="vdsr", metadata=flag("network", choices=EXPORT_MODELS))
    scale: int | None = field(
        default=None,  # none: the flag is required
        metadata=flag("upscaling factor", type=int, choices=EXPORT_SCALES, required=True),
    )
    weights: str | None = field(
        default=None, metadata=flag("weights file (default: the shipped weights in sr/weights/)")
    )
    overwrite: bool = field(
        default=False,
        metadata=flag(
            "replace OUT_DIR if it is an earlier export (or empty); refused otherwise",
            action="store_true",
        ),
    )

    def __post_init__(self) -> None:
        if self.model not in EXPORT_MODELS:
            raise UserError(f"--model must be one of {', '.join(EXPORT_MODELS)}")
        if self.scale not in EXPORT_SCALES:
            raise UserError(f"--scale must be one of {', '.join(map(str, EXPORT_SCALES))}")

    def weights_path(self) -> Path:
        """``weights``, else the shipped file of ``model`` at ``scale``."""
        return Path(self.weights) if self.weights else shipped_weights(self.model, self.scale)


def build_parser() -> argparse.ArgumentParser:
    p = ArgumentParser(
        prog=PROG,
        description=DESCRIPTION,
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "out_dir",
        metavar="OUT_DIR",
        help="directory to create: the SavedModel, model.tflite and config.json (how it was made)",
    )
    add_config_flags(p, ExportConfig)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    config = config_from_args(parser, ExportConfig, args, out_dir=args.out_dir)
    problem = target_problem(config)
    if problem:
        parser.error(problem)
    return run_main(PROG, lambda: run(config))


def target_problem(config: ExportConfig) -> str | None:
    """Why the command cannot start (the output folder, the weights file), or None."""
    out = Path(config.out_dir)
    if (out.exists() or out.is_symlink()) and not config.overwrite:
        return f"{out} exists; choose another OUT_DIR or pass --overwrite"
    if not out.parent.is_dir():
        return f"{out}: directory {out.parent} does not exist"
    if config.weights is not None and not Path(config.weights).is_file():
        return f"weights file not found: {config.weights}"
    return None


def run(config: ExportConfig) -> int:
    """Build the network from its weights and write the export folder (atomically)."""
    path = config.weights_path()
    if not path.is_file():
        raise UserError(f"no shipped {config.model} weights for x{config.scale}; pass --weights")
    net, meta = load_model(path, config.model, config.scale)
    module = ExportModule(net, config.model, config.scale, meta.get("srcnn_variant", "9-1-5"))
    info = {
        **dataclasses.asdict(config),
        "weights": os.path.abspath(path),
        "weights_meta": meta,
    }
    write_export(module, config.out_dir, info, overwrite=config.overwrite)
    s = config.scale
    print(
        f"{config.out_dir}: SavedModel, signature {SIGNATURE}: image uint8 (H, W, 3) -> "
        f"{OUTPUT_NAME} uint8 ({s}H, {s}W, 3); TFLite: {Path(config.out_dir) / TFLITE_NAME}"
    )
    return 0
