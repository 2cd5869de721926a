"""DeepDream benchmarks: step cost against the bare network, peak memory with tiling, bf16.

1. Seconds per DeepDream step on a SIZE x SIZE image (default 1024; default recipe: InceptionV3
   mixed4..mixed7, 512 px tiles, jitter) as a ratio to the bare network's forward + backward
   pass on the whole image with the same objective, both measured in this run, alternating,
   fastest of REPEATS (least disturbed by other load). Aim: ratio <= 1.10.
2. Peak resident memory (``resource.getrusage`` ru_maxrss, in a fresh subprocess) of a 2-octave,
   1-step dream of a MEMORY_SIZE x MEMORY_SIZE image (default 4096) with 512 px tiles. Aim:
   under 3 GiB.
3. Speed in float32 and mixed_bfloat16 (memory in float32 unless --memory-precision), and the
   cosine similarity of the two precisions' gradients of the same image (same random weights).

Weights are random (ImageNet weights cannot be downloaded here); the cost of a step does not
depend on the weights' values.

    python bench/bench_deepdream.py                 # 2-4 minutes on 2 cores
    python bench/bench_deepdream.py --skip-memory   # speed only
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# TensorFlow and the project are imported inside the functions: ru_maxrss survives exec, so the
# parent process must stay small until the memory child has run.


def _network(precision: str):
    from common.seeds import seed_everything
    from deepdream import DreamConfig, DreamObjective, build_dream_network

    seed_everything(0)
    config = DreamConfig(weights="random", precision=precision, seed=0)
    network = build_dream_network(
        config.model, [t.layer for t in config.terms], weights="random", precision=precision
    )
    objective = DreamObjective(config.terms, network.layers, network.channels)
    return config, network, objective


def speed(size: int, precision: str, repeats: int) -> dict:
    """Fastest seconds of the bare forward+backward pass and of one dream step, and the ratio."""
    import numpy as np
    import tensorflow as tf

    from deepdream import TiledGradient, ascent_step
    from deepdream.dream import random_shift

    config, network, objective = _network(precision)

    @tf.function(input_signature=[tf.TensorSpec([None, None, 3], tf.float32)])
    def bare(image):
        with tf.GradientTape() as tape:
            tape.watch(image)
            value = objective(network.features(image[None], training=False))
        return value, tape.gradient(value, image)

    rng = np.random.default_rng(0)
    image = rng.random((size, size, 3), dtype=np.float32)
    gradient = TiledGradient(network.features, objective, config.tile_size, config.tile_margin)

    def run_bare():
        _, g = bare(tf.constant(image))
        g.numpy()

    def run_step():
        shift = random_shift(rng, (size, size), config.jitter, config.tile_size)
        ascent_step(image, gradient, config.step_size, shift)

    run_bare(), run_step()  # trace and warm up
    times = {"bare": [], "step": []}
    for _ in range(repeats):
        for name, fn in (("bare", run_bare), ("step", run_step)):
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    bare_s, step_s = min(times["bare"]), min(times["step"])  # least disturbed by other load
    reference_gradient, _ = gradient(image)  # unrolled, for the float32 / bf16 comparison
    return reference_gradient, {
        "precision": precision,
        "size": size,
        "bare_fwd_bwd_s": round(bare_s, 3),
        "dream_step_s": round(step_s, 3),
        "ratio": round(step_s / bare_s, 3),
        "traces": gradient.traces(),
    }


def memory_child(size: int, precision: str) -> None:
    """Run in a subprocess: dream a size x size image, print peak RSS as JSON."""
    import numpy as np

    from deepdream import dream

    config, network, objective = _network(precision)
    config = config.replace(octaves=2, steps=1)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    image = np.random.default_rng(0).random((size, size, 3), dtype=np.float32)
    start = time.perf_counter()
    last = None
    for step in dream(image, network, objective, config):
        last = step
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(
        json.dumps(
            {
                "precision": precision,
                "size": size,
                "shape": list(last.image.shape),
                "seconds": round(time.perf_counter() - start, 1),
                "peak_rss_gib": round(peak / 2**20, 3),
                "rss_after_model_gib": round(before / 2**20, 3),
            }
        )
    )


def memory(size: int, precision: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(size), "--precision", precision],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--memory-size", type=int, default=4096)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--precision", nargs="+", default=["float32", "mixed_bfloat16"])
    parser.add_argument("--memory-precision", nargs="+", default=["float32"])
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    import numpy as np

    if args.memory_child:
        memory_child(args.memory_child, args.precision[0])
        return 0
    results = []
    if not args.skip_memory:  # first: ru_maxrss survives exec, so the parent must still be small
        for precision in args.memory_precision:
            row = memory(args.memory_size, precision)
            print(
                f"memory {precision:15s} {args.memory_size}x{args.memory_size} (2 octaves x 1 "
                f"step, 512 px tiles): peak RSS {row['peak_rss_gib']:.2f} GiB (after building "
                f"the network: {row['rss_after_model_gib']:.2f} GiB), {row['seconds']} s",
                flush=True,
            )
            results.append({"bench": "memory", **row})
    gradients = {}
    for precision in args.precision:
        gradients[precision], row = speed(args.size, precision, args.repeats)
        print(
            f"speed  {precision:15s} {args.size}x{args.size}: bare fwd+bwd "
            f"{row['bare_fwd_bwd_s']:.3f} s, dream step {row['dream_step_s']:.3f} s, "
            f"ratio {row['ratio']:.3f} (traces: {row['traces']})",
            flush=True,
        )
        results.append({"bench": "speed", **row})
    if {"float32", "mixed_bfloat16"} <= gradients.keys():
        a, b = gradients["float32"].ravel(), gradients["mixed_bfloat16"].ravel()
        cosine = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
        print(f"gradient cosine similarity float32 vs mixed_bfloat16: {cosine:.4f}")
        results.append({"bench": "bf16_gradient_cosine", "cosine": round(cosine, 4)})
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
