"""Benchmarks of neural style transfer (random VGG19 weights; timings, not image quality).

    python bench/bench_style.py                      # speed, optim, c2f: ~5 min on 2 busy cores
    python bench/bench_style.py --sections speed --size 512 --precisions float32
    python bench/bench_style.py --sections curves --curve-widths 128 --curve-runs lbfgs adam

Sections:
  speed  seconds per iteration at SIZE x SIZE (L-BFGS and Adam) as a ratio to the bare VGG19
         forward + backward pass to the same layer (block5_conv1), measured in the same run,
         for each precision.
  optim  total loss after N iterations, L-BFGS vs Adam (and L-BFGS in bf16), from the same
         start (OPTIM_SIZE pixels), every final image scored by the float32 loss.
  c2f    wall time and peak memory (max RSS of a fresh process) of a 1024-pixel-wide output:
         one stage of K iterations vs coarse-to-fine 256 (K) -> 512 (K/2) -> 1024 (K/4).
  curves time-to-loss curves of L-BFGS and Adam (and L-BFGS variants: history size, line
         search, without the [0, 1] bound, coarse-to-fine) from one noise start, at each
         --curve-widths, on synthetic images and on Set14 (monarch as content, baboon as
         style; --data-dir): one JSON line per run with (iteration, cpu_s, wall_s, loss) rows.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

import imaging  # noqa: E402
from common.precision import PRECISIONS  # noqa: E402
from common.quiet import tf  # noqa: E402  (TensorFlow without its start-up log)
from common.seeds import seed_everything  # noqa: E402
from style_transfer import optimize, resizing, transfer, vgg  # noqa: E402


def synthetic(height: int, width: int, seed: int) -> np.ndarray:
    """Smooth colour ramps plus texture, float32 RGB in [0, 1]."""
    y, x = np.mgrid[0:height, 0:width] / max(height, width)
    rng = np.random.default_rng(seed)
    f = rng.uniform(4, 20, size=3)
    image = np.stack([x, y, 0.5 + 0.4 * np.sin(f[0] * x + f[1] * y) * np.cos(f[2] * x)], -1)
    image += 0.05 * rng.normal(size=image.shape)
    return np.clip(image, 0, 1).astype(np.float32)


class Clock:
    """Wall and process-CPU seconds; CPU time is robust to other jobs sharing the cores."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def elapsed(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def _interleaved(fns: dict, rounds: int) -> dict[str, tuple[float, float]]:
    """Minimum (wall, cpu) seconds of each function over ``rounds`` interleaved calls."""
    for fn in fns.values():
        fn()  # trace / warm up
    best = {name: (float("inf"), float("inf")) for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            clock = Clock()
            fn()
            wall, cpu = clock.elapsed()
            best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
    return best


def _counted(evaluate):
    calls = {"n": 0}

    def wrapped(x):
        calls["n"] += 1
        return evaluate(x)

    return wrapped, calls


def _per_iteration(steps, iterations: int) -> tuple[float, float]:
    """Mean (wall, cpu) seconds of iterations 2..n (iteration 1 includes tracing)."""
    count, clock = 0, None
    for _ in steps:
        count += 1
        if count == 1:
            clock = Clock()
        if count == iterations:
            break
    wall, cpu = clock.elapsed()
    steps.close()
    return wall / (count - 1), cpu / (count - 1)


def speed(base, size: int, precision: str, rounds: int, iterations: int) -> dict:
    config = transfer.StyleConfig()
    model = transfer.build_feature_model(config, base, precision=precision)
    bare = vgg.vgg19_feature_model(["block5_conv1"], base, dtype_policy=precision)
    content, style = synthetic(size, size, 0), synthetic(size, size, 1)
    x = tf.constant(content[None])

    @tf.function
    def forward_backward(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(bare(x)["block5_conv1"])
        return tape.gradient(y, x)

    evaluate = transfer.make_evaluate(model, content, [style], config, content.shape, [1.0])
    best = _interleaved(
        {
            "bare": lambda: forward_backward(x).numpy(),
            "loss_and_grad": lambda: evaluate(x)[1].numpy(),
        },
        rounds,
    )
    counted, calls = _counted(evaluate)
    lbfgs = _per_iteration(optimize.lbfgs(counted, content, 100), iterations)
    evals = calls["n"]
    adam = _per_iteration(optimize.adam(evaluate, content, 100), iterations)
    bare_wall, bare_cpu = best["bare"]
    result = {
        "size": size,
        "precision": precision,
        "lbfgs_evaluations": evals,
        "lbfgs_iterations": iterations,
    }
    for name, (wall, cpu) in (
        ("bare_fwd_bwd", best["bare"]),
        ("loss_and_grad", best["loss_and_grad"]),
        ("lbfgs_iteration", lbfgs),
        ("adam_iteration", adam),
    ):
        result[name] = {
            "wall_s": round(wall, 3),
            "cpu_s": round(cpu, 3),
            "cpu_ratio": round(cpu / bare_cpu, 3),
            "wall_ratio": round(wall / bare_wall, 3),
        }
    return result


def optimizers(base, size: int, iterations: int) -> dict:
    """Loss (scored in float32) after ``iterations`` from one noise start: L-BFGS, Adam, bf16."""
    config = transfer.StyleConfig()
    content, style = synthetic(size, size, 0), synthetic(size, size, 1)
    start = transfer.initial_image("noise", content, [style], 1.0, np.random.default_rng(0))

    def evaluator(precision: str):
        model = transfer.build_feature_model(config, base, precision=precision)
        return transfer.make_evaluate(model, content, [style], config, content.shape, [1.0])

    score = evaluator("float32")
    initial, _ = score(tf.constant(start[None]))
    result = {"size": size, "iterations": iterations, "initial_loss": float(initial["total"])}
    runs = (
        ("lbfgs", optimize.lbfgs, score),
        ("adam", optimize.adam, score),
        ("lbfgs_bf16", optimize.lbfgs, evaluator("mixed_bfloat16")),
    )
    for name, run, evaluate in runs:
        counted, calls = _counted(evaluate)
        clock = Clock()
        *_, (done, image, _) = run(counted, start, iterations)
        wall, cpu = clock.elapsed()
        losses, _ = score(tf.constant(image[None]))
        result[name] = {
            "iterations": done,
            "evaluations": calls["n"],
            **{k: float(f"{float(v):.5g}") for k, v in losses.items()},
            "wall_s": round(wall, 1),
            "cpu_s": round(cpu, 1),
        }
    return result


CURVE_RUNS = {
    "lbfgs": {"optimizer": "lbfgs"},
    "adam": {"optimizer": "adam"},
    "lbfgs_m5": {"optimizer": "lbfgs", "memory": 5},
    "lbfgs_m30": {"optimizer": "lbfgs", "memory": 30},
    "lbfgs_ls5": {"optimizer": "lbfgs", "max_line_search": 5},
    "lbfgs_unbounded": {"optimizer": "lbfgs", "bounded": False},
    "lbfgs_c2f": {"optimizer": "lbfgs", "c2f": True},
    "adam_lr5": {"optimizer": "adam", "learning_rate": 5.0},
    "adam_lr20": {"optimizer": "adam", "learning_rate": 20.0},
}


def curve_images(kind: str, width: int, data_dir: str) -> tuple[np.ndarray, np.ndarray]:
    """(content, style) at ``width`` wide: synthetic, or Set14's monarch and baboon."""
    if kind == "synthetic":
        return synthetic(width * 3 // 4, width, 0), synthetic(width, width, 1)
    content = imaging.load_image(os.path.join(data_dir, "Set14", "monarch.png"))
    style = imaging.load_image(os.path.join(data_dir, "Set14", "baboon.png"))
    return resizing.resize_to_width(content, width), resizing.resize_to_width(style, width)


def curve(base, content, style, iterations: int, run: dict) -> list[tuple]:
    """(iteration, cpu_s, wall_s, total loss) after each iteration of one optimiser run."""
    config = transfer.StyleConfig()
    model = transfer.build_feature_model(config, base)
    start = transfer.initial_image("noise", content, [style], 1.0, np.random.default_rng(0))
    rows, clock = [], Clock()
    if run.get("c2f"):  # half width for half the iterations, then full width
        half = content.shape[1] // 2
        staged = transfer.StyleConfig(
            sizes=(half, content.shape[1]), stage_iterations=(iterations // 2, iterations // 2)
        )
        steps = transfer.stylize(content, [style], model, staged, start)
        for it, image, losses in steps:
            wall, cpu = clock.elapsed()
            if image.shape == content.shape:
                rows.append((it, round(cpu, 2), round(wall, 2), float(f"{losses['total']:.6g}")))
        return rows
    evaluate = transfer.make_evaluate(model, content, [style], config, content.shape, [1.0])
    if run["optimizer"] == "adam":
        lr = run.get("learning_rate", 10.0)
        steps = optimize.adam(evaluate, start, iterations, learning_rate=lr)
    else:
        options = {k: run[k] for k in ("memory", "bounded", "max_line_search") if k in run}
        steps = optimize.lbfgs(evaluate, start, iterations, **options)
    for it, _, losses in steps:
        wall, cpu = clock.elapsed()
        rows.append((it, round(cpu, 2), round(wall, 2), float(f"{losses['total']:.6g}")))
    return rows


def curves(base, widths, kinds, runs, iterations, data_dir) -> None:
    for kind in kinds:
        for width in widths:
            content, style = curve_images(kind, width, data_dir)
            for name in runs:
                rows = curve(base, content, style, iterations, CURVE_RUNS[name])
                record = {"images": kind, "width": width, "height": content.shape[0]}
                print(json.dumps({"curve": {**record, "run": name, "rows": rows}}), flush=True)


def c2f_child(sizes: list[int], iterations: list[int], precision: str) -> None:
    seed_everything(0)
    base = vgg.load_vgg19("random")
    config = transfer.StyleConfig(sizes=tuple(sizes), stage_iterations=tuple(iterations))
    model = transfer.build_feature_model(config, base, precision=precision)
    content = synthetic(768, 1024, 0)
    style = synthetic(512, 512, 1)
    clock = Clock()
    stamps = []
    for _, image, losses in transfer.stylize(content, [style], model, config):
        stamps.append((image.shape[1], *clock.elapsed(), losses["total"]))
    wall, cpu = clock.elapsed()
    stages = []
    for width in sizes:  # stamps: (width, wall, cpu, loss) after each iteration
        index = [k for k, stamp in enumerate(stamps) if stamp[0] == width]
        cpus = [stamps[k][2] for k in index]
        before = stamps[index[0] - 1][2] if index[0] else 0.0
        steady = (cpus[-1] - cpus[0]) / (len(cpus) - 1) if len(cpus) > 1 else None
        stages.append(
            {
                "width": width,
                "iterations": len(index),
                "first_iteration_cpu_s": round(cpus[0] - before, 2),
                "steady_cpu_s_per_iteration": None if steady is None else round(steady, 2),
            }
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "wall_s": round(wall, 1),
                "cpu_s": round(cpu, 1),
                "peak_rss_mb": round(peak),
                "final_loss": float(f"{stamps[-1][3]:.5g}"),
                "stages": stages,
            }
        )
    )


def c2f(k: int, precision: str) -> dict:
    plans = {
        "single 1024": ([1024], [k]),
        "coarse-to-fine 256/512/1024": ([256, 512, 1024], [k, max(1, k // 2), max(1, k // 4)]),
    }
    result = {"precision": precision}
    for label, (sizes, iterations) in plans.items():
        cmd = [sys.executable, os.path.abspath(__file__), "--c2f-child", precision]
        cmd += ["--child-sizes", *map(str, sizes), "--child-iterations", *map(str, iterations)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        result[label] = {"iterations": iterations, **json.loads(done.stdout.splitlines()[-1])}
    return result


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sections", nargs="+", default=["speed", "optim", "c2f"])
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--precisions", nargs="+", default=list(PRECISIONS))
    p.add_argument("--rounds", type=int, default=2, help="timed calls of bare and loss")
    p.add_argument("--iterations", type=int, default=3, help="optimiser iterations timed + 1")
    p.add_argument("--optim-size", type=int, default=128)
    p.add_argument("--optim-iterations", type=int, default=100)
    p.add_argument("--c2f-iterations", type=int, default=4, help="K")
    p.add_argument("--c2f-precision", default="mixed_bfloat16")
    p.add_argument("--curve-widths", type=int, nargs="+", default=[128, 256])
    p.add_argument("--curve-images", nargs="+", default=["synthetic", "set14"])
    p.add_argument("--curve-runs", nargs="+", default=list(CURVE_RUNS), choices=list(CURVE_RUNS))
    p.add_argument("--curve-iterations", type=int, default=100)
    p.add_argument(
        "--data-dir",
        default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "datasets"),
    )
    p.add_argument("--c2f-child", help=argparse.SUPPRESS)
    p.add_argument("--child-sizes", type=int, nargs="+", help=argparse.SUPPRESS)
    p.add_argument("--child-iterations", type=int, nargs="+", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.c2f_child:
        c2f_child(args.child_sizes, args.child_iterations, args.c2f_child)
        return 0
    seed_everything(0)
    base = vgg.load_vgg19("random")
    if "speed" in args.sections:
        for precision in args.precisions:
            print(
                json.dumps(
                    {"speed": speed(base, args.size, precision, args.rounds, args.iterations)}
                ),
                flush=True,
            )
    if "optim" in args.sections:
        result = optimizers(base, args.optim_size, args.optim_iterations)
        print(json.dumps({"optim": result}), flush=True)
    if "curves" in args.sections:
        curves(
            base,
            args.curve_widths,
            args.curve_images,
            args.curve_runs,
            args.curve_iterations,
            args.data_dir,
        )
    if "c2f" in args.sections:
        print(json.dumps({"c2f": c2f(args.c2f_iterations, args.c2f_precision)}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
