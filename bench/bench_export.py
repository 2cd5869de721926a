"""Benchmark: the exported SavedModel (and TFLite file) against the Keras path of sr_upscale.py.

    python bench/bench_export.py [--model vdsr_sp] [--scale 3] [--size 256] [--repeats 3]

Exports ``--model`` at ``--scale`` with the shipped weights (``sr.export``, as ``sr_export.py``
does) to a temporary directory, then upscales the same ``--size`` x ``--size`` crop of a photo
(Set5's baby, or a random image where the datasets are absent) three ways in one process:

* ``keras``: ``sr.tiling.upscale_rgb`` untiled with the network predictor of ``sr_upscale.py
  --no-tile`` (NumPy colour conversion and bicubic in float64, the Keras network in a
  ``tf.function``);
* ``savedmodel``: the ``serving_default`` signature of ``tf.saved_model.load`` (everything in
  one float32 graph, uint8 in and out);
* ``tflite``: the exported ``model.tflite`` in ``tf.lite.Interpreter`` (XNNPACK, built-in ops).

Prints the median seconds (the three take turns, ``--repeats`` times) and output megapixels
per second of each, their ratio to the Keras path, and the largest difference from it in uint8
levels. These machines are shared: compare the ratios, measured in one run, not the seconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from common.quiet import tf  # noqa: E402  (TensorFlow without its start-up log)
from sr.export import SIGNATURE, TFLITE_NAME, ExportModule, write_export  # noqa: E402
from sr.paths import datasets_dir  # noqa: E402
from sr.tiling import upscale_rgb  # noqa: E402
from sr.upscalers import get_upscaler, shipped_weights  # noqa: E402
from sr.weights import load_model  # noqa: E402


def median_times(paths: dict, repeats: int) -> dict[str, tuple[float, np.ndarray]]:
    """Median seconds and output of each function; the repeats take turns (shared machines)."""
    outputs = {name: fn() for name, fn in paths.items()}  # warm-up (tracing, allocation)
    times: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(repeats):
        for name, fn in paths.items():
            start = time.perf_counter()
            outputs[name] = fn()
            times[name].append(time.perf_counter() - start)
    return {name: (statistics.median(times[name]), outputs[name]) for name in paths}


def photo(size: int) -> np.ndarray:
    """A ``size`` x ``size`` uint8 RGB image: Set5's baby cropped, or random if absent."""
    path = datasets_dir() / "Set5" / "baby.png"
    if path.is_file():
        rgb = np.asarray(Image.open(path).convert("RGB"))
        if min(rgb.shape[:2]) >= size:
            return np.ascontiguousarray(rgb[:size, :size])
    print(f"note: {path} missing or too small; using a random image", file=sys.stderr)
    return np.random.default_rng(0).integers(0, 256, (size, size, 3), dtype=np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=("srcnn", "vdsr", "vdsr_sp"), default="vdsr_sp")
    parser.add_argument("--scale", type=int, choices=(2, 3, 4), default=3)
    parser.add_argument("--size", type=int, default=256, help="input side in pixels")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    image = photo(args.size)
    s = args.scale
    megapixels = image.shape[0] * image.shape[1] * s * s / 1e6

    upscaler = get_upscaler(args.model, s)

    def keras_path() -> np.ndarray:
        rgb = image.astype(np.float32) / 255.0
        return upscale_rgb(rgb, upscaler, s, tile_lr=None, margin=upscaler.margin)

    with tempfile.TemporaryDirectory() as tmp:
        out_dir = Path(tmp) / "export"
        path = shipped_weights(args.model, s)
        net, meta = load_model(path, args.model, s)
        module = ExportModule(net, args.model, s, meta.get("srcnn_variant", "9-1-5"))
        write_export(module, out_dir, {"model": args.model, "scale": s})
        serve = tf.saved_model.load(str(out_dir)).signatures[SIGNATURE]
        interpreter = tf.lite.Interpreter(model_path=str(out_dir / TFLITE_NAME))
        runner = interpreter.get_signature_runner(SIGNATURE)
        paths = {
            "keras": keras_path,
            "savedmodel": lambda: serve(image=tf.constant(image))["upscaled"].numpy(),
            "tflite": lambda: runner(image=image)["upscaled"],
        }
        results = median_times(paths, args.repeats)

    base, reference = results["keras"]
    print(
        f"{args.model} x{s}, {args.size}x{args.size} input, {megapixels:.3f} output MP, "
        f"median of {args.repeats}"
    )
    for name, (seconds, out) in results.items():
        diff = int(np.abs(out.astype(int) - reference.astype(int)).max())
        print(
            f"  {name:10s} {seconds:7.3f} s  {megapixels / seconds:6.3f} MP/s  "
            f"x{base / seconds:5.2f} the keras path  max diff {diff}/255"
        )


if __name__ == "__main__":
    main()
