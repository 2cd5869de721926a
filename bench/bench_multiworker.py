"""Two training workers on 127.0.0.1 against one process, steps/s measured in one run.

    python bench/bench_multiworker.py [--model vdsr] [--batch-size 16] [--steps 10]

Three runs of the same trainer on the same generated patches, each for two epochs of
``--steps`` steps, timed over the second epoch (``elapsed`` in ``history.jsonl``, so the first
epoch's tracing is left out):

1. one process, the global batch;
2. two workers (``--strategy multiworker``), the same global batch split between them;
3. the communication alone: two workers that only sum the model's gradient-sized tensors across
   the cluster, as a training step does (one ``strategy.reduce`` per variable, in a
   ``tf.function``); its time over the two-worker step's is the communication share of a step.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from sr.distribute import local_tf_configs  # noqa: E402

RECIPE = {"srcnn": "srcnn", "vdsr": "vdsr", "vdsr_sp": "subpixel"}
ALL_REDUCE = """
import sys, time
sys.path.insert(0, sys.argv[1])
from common.quiet import tf
strategy = tf.distribute.MultiWorkerMirroredStrategy()
from sr.weights import build_model
with strategy.scope():
    net = build_model(sys.argv[2], 3)
grads = [tf.ones(v.shape) for v in net.trainable_variables]

@tf.function
def reduce_all():
    per_replica = strategy.run(lambda: [tf.identity(g) for g in grads])
    return [strategy.reduce(tf.distribute.ReduceOp.SUM, g, axis=None) for g in per_replica]

reduce_all()
start = time.perf_counter()
for _ in range(int(sys.argv[3])):
    reduce_all()
print((time.perf_counter() - start) / int(sys.argv[3]))
"""


def _patches(root: Path, model: str) -> Path:
    rng = np.random.default_rng(0)
    (root / "img").mkdir()
    for i in range(8):
        Image.fromarray(rng.integers(0, 256, (128, 128, 3), np.uint8)).save(root / f"img/{i}.png")
    out = root / "p.h5"
    cmd = [sys.executable, str(REPO / "scripts/sr_prepare.py"), RECIPE[model]]
    cmd += ["--images", str(root / "img"), "-o", str(out)]
    if model != "vdsr":
        cmd += ["--scale", "3"]
    subprocess.run(cmd, check=True, capture_output=True)
    return out


def _launch(model: str, args: list[str], tf_config: str = "") -> subprocess.Popen:
    env = {**os.environ, "TF_CONFIG": tf_config} if tf_config else dict(os.environ)
    cmd = [sys.executable, str(REPO / "scripts" / f"{model}.py"), *args]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _steps_per_second(procs: list[subprocess.Popen], outs: list[Path], steps: int) -> float:
    for proc in procs:
        _, err = proc.communicate()
        if proc.returncode:
            raise SystemExit(err.decode()[-2000:])
    rates = []
    for out in outs:
        history = [json.loads(x) for x in (out / "history.jsonl").read_text().splitlines()]
        rates.append(steps / (history[1]["elapsed"] - history[0]["elapsed"]))
    return min(rates)


def _all_reduce_seconds(model: str, repeats: int) -> float:
    """Seconds per step of summing the model's gradients across two workers, and nothing else."""
    procs = []
    for tf_config in local_tf_configs(2):
        cmd = [sys.executable, "-c", ALL_REDUCE, str(REPO), model, str(repeats)]
        env = {**os.environ, "TF_CONFIG": tf_config}
        procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    times = []
    for proc in procs:
        out, err = proc.communicate()
        if proc.returncode:
            raise SystemExit(err.decode()[-2000:])
        times.append(float(out.decode().split()[-1]))
    return max(times)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", choices=sorted(RECIPE), default="vdsr")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--steps", type=int, default=10)
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        patches = _patches(root, a.model)
        common = ["--patches", str(patches), "--no-val", "--epochs", "2"]
        common += ["--steps-per-epoch", str(a.steps), "--optimizer", "adam", "--lr", "1e-4"]

        def args(name: str, batch: int) -> list[str]:
            return [*common, "--batch-size", str(batch), "--out", str(root / name)]

        one = _steps_per_second(
            [_launch(a.model, args("one", a.batch_size))], [root / "one"], a.steps
        )
        configs = local_tf_configs(2)
        multi = [*args("two", a.batch_size), "--strategy", "multiworker"]
        two = _steps_per_second(
            [_launch(a.model, multi, c) for c in configs], [root / "two"], a.steps
        )
        comm = _all_reduce_seconds(a.model, a.steps)
    print(f"{a.model}, global batch {a.batch_size}, {os.cpu_count()} CPUs")
    print(f"one process:                 {one:.3f} steps/s")
    print(f"two workers:                 {two:.3f} steps/s  (ratio to one process {two / one:.2f})")
    print(f"the gradients' all-reduce:   {comm * 1000:.1f} ms per step")
    print(f"communication share of a two-worker step: {comm * two:.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
