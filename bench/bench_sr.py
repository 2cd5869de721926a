"""Super-resolution benchmarks: training throughput, upscaling speed, peak memory.

    python bench/bench_sr.py train [--models srcnn vdsr vdsr_sp] [--steps 20] [--precisions float32]
    python bench/bench_sr.py upscale [--model vdsr] [--size 512] [--precision mixed_bfloat16]
    python bench/bench_sr.py memory [--model vdsr] [--width 4000 --height 3000] [--scale 2]
    python bench/bench_sr.py folder [--model srcnn] [--scale 3] [--images 5]

``train`` reports the trainer's patches/s (batch assembly in NumPy, distribution, the step,
the NaN check) as a ratio to the bare model's train step (forward, backward, optimizer update
on a constant batch in one ``tf.function``) measured in the same process, for each of
``--precisions`` (float32 and mixed_bfloat16 by default). ``upscale`` times
``sr.tiling.upscale_rgb`` in megapixels (output) per second.
``memory`` runs ``scripts/sr_upscale.py`` on a generated photo in a subprocess and reports
its peak resident memory (random weights of the same architecture when none are shipped).
``folder`` times ``scripts/sr_upscale.py`` on the first ``--images`` Set5 images as one folder
job against the one-image command called once per image (each a fresh process, as a shell loop
would), and reports both in images/s and their ratio.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from common.precision import PRECISIONS, precision_scope  # noqa: E402
from common.quiet import keras, tf  # noqa: E402  (TensorFlow without its start-up log)
from sr import models  # noqa: E402
from sr.config import PRESETS  # noqa: E402
from sr.losses import mse  # noqa: E402
from sr.pipeline import PatchSet  # noqa: E402
from sr.training import Trainer  # noqa: E402

SHAPES = {  # per model: arrays of one patch (srcnn/vdsr 41/33 px, subpixel LR 16 -> 48 at x3)
    "srcnn": ({"bicubic": (33, 33), "label": (21, 21)}, "srcnn"),
    "vdsr": ({"bicubic": (41, 41), "label": (41, 41)}, "vdsr"),
    "vdsr_sp": ({"lr": (16, 16), "bicubic": (48, 48), "label": (48, 48)}, "subpixel"),
}


def _patches(model: str, n: int) -> PatchSet:
    rng = np.random.default_rng(0)
    shapes, recipe = SHAPES[model]
    arrays = {k: rng.integers(0, 256, (n, *s), dtype=np.uint8) for k, s in shapes.items()}
    arrays["scale"] = np.full(n, 3, np.uint8)
    return PatchSet(arrays, {"recipe": recipe})


def _bare_step(trainer: Trainer, batch):
    """The bare model's train step on a constant batch, as one ``tf.function``."""
    net, opt = trainer.model, keras.optimizers.Adam(1e-6)
    inputs, label = batch
    x = [tf.constant(a) for a in inputs]
    y = tf.constant(label)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(mse(y, net(x[0] if len(x) == 1 else x, training=True)))
        grads = tape.gradient(loss, net.trainable_variables)
        opt.apply_gradients(zip(grads, net.trainable_variables, strict=True))
        return loss

    return lambda: step().numpy()


def _rate(fn, steps: int, batch: int) -> float:
    start = time.perf_counter()
    for _ in range(steps):
        fn()
    return steps * batch / (time.perf_counter() - start)


def bench_train(args) -> None:
    """Alternate rounds of trainer steps and bare steps; report the best round of each
    (the machine is shared, so the best round is the least disturbed one)."""
    for model in args.models:
        for precision in args.precisions:
            batch = args.batch or PRESETS[model].batch_size
            config = PRESETS[model].replace(
                batch_size=batch, precision=precision, optimizer="adam", learning_rate=1e-6,
                scales=(3,), validation=(),
            )  # fmt: skip
            n = args.steps * (args.rounds + 1) + 4
            trainer = Trainer(config, _patches(model, batch * n))
            steps = trainer.run_epoch()
            bare = _bare_step(trainer, trainer.batch(0, 0))
            for _ in range(3):
                next(steps)
                bare()
            ours_best = bare_best = 0.0
            ours = steps.__next__
            for _ in range(args.rounds):
                ours_best = max(ours_best, _rate(ours, args.steps, batch))
                bare_best = max(bare_best, _rate(bare, args.steps, batch))
            print(
                f"train {model:8s} {precision:15s} batch {batch:4d}: {ours_best:8.1f} patches/s, "
                f"bare step {bare_best:8.1f} patches/s, ratio {ours_best / bare_best:.3f}"
            )


def _network(model: str, scale: int):
    return models.vdsr_sp(scale) if model == "vdsr_sp" else getattr(models, model)()


def bench_upscale(args) -> None:
    from sr.inference import make_predictor
    from sr.tiling import margin_for, upscale_rgb

    with precision_scope(args.precision):
        net = _network(args.model, args.scale)
    predict = make_predictor(net, args.model)
    rgb = np.random.default_rng(0).random((args.size, args.size, 3)).astype(np.float32)
    margin = margin_for(args.model, args.scale)
    upscale_rgb(rgb[:64, :64], predict, args.scale, tile_lr=32, margin=margin)  # warm up
    start = time.perf_counter()
    upscale_rgb(rgb, predict, args.scale, tile_lr=512 // args.scale, margin=margin)
    seconds = time.perf_counter() - start
    mp = (args.size * args.scale) ** 2 / 1e6
    print(
        f"upscale {args.model} x{args.scale} {args.precision} {args.size}px: "
        f"{mp / seconds:.3f} output MP/s"
    )


def bench_memory(args) -> None:
    from PIL import Image

    from sr.upscalers import shipped_weights
    from sr.weights import metadata, save_weights

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "photo.jpg"
        small = np.random.default_rng(0).integers(0, 256, (args.height // 8, args.width // 8, 3))
        photo = Image.fromarray(small.astype(np.uint8)).resize((args.width, args.height))
        photo.save(src, quality=90)
        script, out = str(REPO / "scripts/sr_upscale.py"), str(Path(tmp) / "o.png")
        cmd = [sys.executable, script, str(src), out, "--scale", str(args.scale)]
        cmd += ["--model", args.model, "--precision", args.precision]
        if args.model != "bicubic" and not shipped_weights(args.model, args.scale).is_file():
            net = _network(args.model, args.scale)
            weights = Path(tmp) / "w.weights.h5"
            save_weights(net, weights, metadata(args.model, [args.scale]))
            cmd += ["--weights", str(weights)]
        start = time.perf_counter()
        subprocess.run(cmd, check=True)
        seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    print(
        f"memory {args.model} x{args.scale} {args.width}x{args.height}: peak RSS {peak:.2f} GiB, "
        f"{seconds:.0f} s"
    )


def bench_folder(args) -> None:
    from sr.paths import datasets_dir, image_files

    images = [str(p) for p in image_files(datasets_dir() / "Set5")][: args.images]
    script = [sys.executable, str(REPO / "scripts/sr_upscale.py")]
    flags = ["--scale", str(args.scale), "--model", args.model]
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        for i, src in enumerate(images):
            subprocess.run([*script, src, f"{tmp}/loop{i}.png", *flags], check=True)
        loop = len(images) / (time.perf_counter() - start)
        start = time.perf_counter()
        subprocess.run([*script, *images, f"{tmp}/folder", *flags], check=True)
        folder = len(images) / (time.perf_counter() - start)
    print(
        f"folder {args.model} x{args.scale}, {len(images)} Set5 images: folder job "
        f"{folder:.3f} images/s, one-image command in a loop {loop:.3f} images/s, "
        f"ratio {folder / loop:.2f}"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="what", required=True)
    t = sub.add_parser("train")
    t.add_argument("--models", nargs="+", default=["srcnn", "vdsr", "vdsr_sp"])
    t.add_argument("--steps", type=int, default=10, help="steps per timed round")
    t.add_argument("--rounds", type=int, default=3)
    t.add_argument("--batch", type=int, default=0, help="batch size (default: the preset's)")
    t.add_argument(
        "--precisions", nargs="+", default=list(PRECISIONS), choices=PRECISIONS,
        help="(bf16 is emulated, and very slow, on CPUs without AVX-512 BF16 or AMX)",
    )  # fmt: skip
    u = sub.add_parser("upscale")
    u.add_argument("--model", default="vdsr", choices=["srcnn", "vdsr", "vdsr_sp"])
    u.add_argument("--scale", type=int, default=2)
    u.add_argument("--size", type=int, default=512, help="input side in pixels")
    u.add_argument("--precision", default="float32", choices=PRECISIONS)
    m = sub.add_parser("memory")
    m.add_argument("--model", default="vdsr", choices=["bicubic", "srcnn", "vdsr", "vdsr_sp"])
    m.add_argument("--scale", type=int, default=2)
    m.add_argument("--width", type=int, default=4000)
    m.add_argument("--height", type=int, default=3000)
    m.add_argument("--precision", default="float32", choices=PRECISIONS)
    f = sub.add_parser("folder")
    f.add_argument("--model", default="srcnn", choices=["bicubic", "srcnn", "vdsr", "vdsr_sp"])
    f.add_argument("--scale", type=int, default=3)
    f.add_argument("--images", type=int, default=5)
    args = p.parse_args()
    benches = {"train": bench_train, "upscale": bench_upscale, "memory": bench_memory}
    benches["folder"] = bench_folder
    benches[args.what](args)


if __name__ == "__main__":
    main()
