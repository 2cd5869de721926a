"""Benchmark: MATLAB-compatible imresize (NumPy, TensorFlow) against Pillow's bicubic.

    python bench/bench_imresize.py [--size 2048] [--repeats 3]

Prints the median wall time of each implementation on the same random RGB image and its ratio
to Pillow, measured in one run (these machines are shared, so compare ratios, not seconds).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from PIL import Image

from common.quiet import tf
from imaging import imresize, imresize_tf


def median_time(fn, repeats: int) -> float:
    fn()  # warm-up (tracing, allocation)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    image8 = rng.integers(0, 256, (args.size, args.size, 3), dtype=np.uint8)
    image = image8.astype(np.float32)
    pil = Image.fromarray(image8)
    tensor = tf.constant(image)
    print(f"{args.size}x{args.size} RGB, median of {args.repeats}")
    print(f"{'scale':>6} {'Pillow s':>9} {'NumPy s':>8} {'ratio':>6} {'TF s':>7} {'ratio':>6}")
    for scale in (2.0, 0.5, 0.25):
        out = int(args.size * scale)
        t_pil = median_time(lambda o=out: pil.resize((o, o), Image.BICUBIC), args.repeats)
        t_np = median_time(lambda s=scale: imresize(image, s), args.repeats)
        fn = tf.function(lambda x, s=scale: imresize_tf(x, s))
        t_tf = median_time(lambda f=fn: f(tensor).numpy(), args.repeats)
        print(
            f"{scale:>6} {t_pil:>9.3f} {t_np:>8.3f} {t_np / t_pil:>6.1f} "
            f"{t_tf:>7.3f} {t_tf / t_pil:>6.1f}"
        )


if __name__ == "__main__":
    main()
