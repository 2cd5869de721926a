"""Where a run trains: one device, the GPUs (or CPUs) of one machine, or a cluster of workers.

``multiworker`` is ``tf.distribute.MultiWorkerMirroredStrategy`` configured by the standard
``TF_CONFIG`` environment variable (``{"cluster": {"worker": ["host1:port", ...]}, "task":
{"type": "worker", "index": i}}``, as Kubernetes operators and cluster launchers set it). Every
worker computes the same global batch from the seed and trains on its replicas' slices of it;
gradients are summed across all replicas, so every worker holds the same weights. The chief
(``chief`` task, else worker 0) owns the run directory; the others keep their checkpoints in a
scratch folder inside it (``.worker-N``), as TensorFlow's guide prescribes.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path

import tensorflow as tf

from common.cli import one_line
from common.errors import UserError
from sr.config import STRATEGIES, WORKER_TIMEOUT


@dataclass(frozen=True)
class Placement:
    """The strategy, and this process's place in it."""

    strategy: tf.distribute.Strategy
    chief: bool = True
    task: str = ""  # "worker 1" in a cluster, "" alone

    @property
    def multiworker(self) -> bool:
        return bool(self.task)

    def run_dir(self, out: Path) -> Path:
        """Where this process writes: ``out`` on the chief, ``out/.worker-N`` on the others."""
        return out if self.chief else out / f".{self.task.replace(' ', '-')}"


def place(name: str, worker_timeout: float = WORKER_TIMEOUT) -> Placement:
    """The strategy called ``name`` (see :data:`STRATEGIES`). Create it before any other
    TensorFlow op runs: the cluster's runtime is set up when it is built."""
    if name == "default":
        return Placement(tf.distribute.get_strategy())
    if name == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        devices = [d.name for d in (gpus or tf.config.list_logical_devices("CPU"))]
        return Placement(tf.distribute.MirroredStrategy(devices))
    if name != "multiworker":
        raise UserError(f"unknown strategy {name!r}; choose from {', '.join(STRATEGIES)}")
    task = _task()
    options = tf.distribute.experimental.CommunicationOptions(timeout_seconds=worker_timeout)
    try:
        strategy = tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)
    except (RuntimeError, ValueError, tf.errors.OpError) as err:
        raise UserError(f"cannot join the cluster of TF_CONFIG: {one_line(err)[:200]}") from None
    chief = task[0] == "chief" or (task[0] == "worker" and task[1] == 0 and not task[2])
    return Placement(strategy, chief, f"{task[0]} {task[1]}")


def _task() -> tuple[str, int, bool]:
    """``(type, index, cluster has a chief)`` from ``TF_CONFIG``; one line if it is unusable."""
    raw = os.environ.get("TF_CONFIG", "")
    try:
        config = json.loads(raw)
        cluster, task = config["cluster"], config["task"]
        kind, index = str(task["type"]), int(task["index"])
        if kind not in ("chief", "worker") or index >= len(cluster[kind]):
            raise ValueError(f"task {kind} {index} is not in the cluster")
    except (ValueError, KeyError, TypeError) as err:
        hint = "not set" if not raw else f"unusable ({err})"
        raise UserError(
            f"--strategy multiworker needs TF_CONFIG with the cluster and this task; it is {hint}"
        ) from None
    return kind, index, bool(cluster.get("chief"))


def agree(placement: Placement, *flags: bool) -> tuple[bool, ...]:
    """Each flag true on every worker if it is true on any (a stop asked of one worker, one
    worker's checkpoint clock), so that all workers stop or save at the same step."""
    if not placement.multiworker:
        return flags
    total = _sum_over_replicas(placement.strategy, tf.constant([float(f) for f in flags]))
    return tuple(bool(v > 0) for v in total.numpy())


def _sum_over_replicas(strategy, value):
    fn = _SUMS.get(id(strategy))
    if fn is None:

        @tf.function
        def fn(x):
            per_replica = strategy.run(tf.identity, args=(x,))
            return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None)

        _SUMS[id(strategy)] = fn
    return fn(value)


_SUMS: dict = {}
LOST_WORKER = (tf.errors.UnavailableError, tf.errors.DeadlineExceededError, tf.errors.AbortedError)


def lost_worker_message(err: BaseException, out: Path) -> str:
    return (
        f"a worker of the cluster stopped or cannot be reached ({one_line(err)[:160]}); "
        f"this worker stops too. Restart every worker with --resume --out {out} to continue "
        "from the last checkpoint"
    )


def task_dir(out: Path) -> Path | None:
    """The scratch run directory of this process if ``TF_CONFIG`` makes it a non-chief worker
    (read without joining the cluster), else None."""
    if not os.environ.get("TF_CONFIG"):
        return None
    try:
        kind, index, has_chief = _task()
    except UserError:
        return None
    chief = kind == "chief" or (index == 0 and not has_chief)
    return None if chief else out / f".{kind}-{index}"


def local_tf_configs(workers: int) -> list[str]:
    """``TF_CONFIG`` values for a cluster of ``workers`` processes on 127.0.0.1 (free ports),
    one per worker: to try ``--strategy multiworker`` on one machine, in tests and benchmarks."""
    sockets = [socket.socket() for _ in range(workers)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    addresses = [f"127.0.0.1:{s.getsockname()[1]}" for s in sockets]
    for s in sockets:
        s.close()
    cluster = {"worker": addresses}
    return [
        json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})
        for i in range(workers)
    ]
