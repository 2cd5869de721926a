"""Image optimisers as generators: L-BFGS-B (scipy, bounded) and Adam (projected on [0, 1]).

Both take ``evaluate(x) -> (losses, gradient)`` where ``x`` is a float32 tensor ``(1, H, W, 3)``,
``losses`` a dict of scalar tensors with a ``"total"`` entry and ``gradient`` d total / d x. Both
yield ``(iteration, image, losses)`` after every iteration, ``image`` being the current iterate
(float32 ``(H, W, 3)`` in [0, 1]) and ``losses`` (Python floats) its losses.
"""

from __future__ import annotations

import ctypes
import functools
import queue
import threading
from collections.abc import Callable, Iterator

import numpy as np
import scipy.optimize
import tensorflow as tf

Evaluate = Callable[[tf.Tensor], tuple[dict[str, tf.Tensor], tf.Tensor]]
Step = tuple[int, np.ndarray, dict[str, float]]


def _floats(losses: dict[str, tf.Tensor]) -> dict[str, float]:
    return {name: float(value) for name, value in losses.items()}


@functools.cache
def _openblas_thread_limiters() -> tuple:
    """``openblas_set_num_threads_local`` of every OpenBLAS loaded in this process (Linux)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.rsplit("/", 1)[-1]}
    except OSError:
        return ()
    limiters = []
    for path in sorted(paths):
        try:
            function = getattr(ctypes.CDLL(path), "openblas_set_num_threads_local", None)
        except OSError:
            continue
        if function is not None:
            function.argtypes, function.restype = [ctypes.c_int], ctypes.c_int
            limiters.append(function)
    return tuple(limiters)


def _single_threaded_blas() -> None:
    """Make this thread's OpenBLAS calls single-threaded (best effort).

    L-BFGS-B's BLAS calls work on a few vectors; OpenBLAS's worker threads would spin against
    TensorFlow's thread pool and cost ~60 ms per call on a busy machine (measured: 4 ms single
    threaded). The setting is thread-local, so nothing else in the process changes.
    """
    for limit in _openblas_thread_limiters():
        limit(1)


class _Stop(Exception):
    """Raised inside scipy's callback when the consumer closes the generator."""


def lbfgs(
    evaluate: Evaluate,
    x0: np.ndarray,
    iterations: int,
    *,
    memory: int = 10,
    first: int = 1,
    bounded: bool = True,
    max_line_search: int = 20,
) -> Iterator[Step]:
    """L-BFGS-B (Byrd et al. 1995, scipy) on the pixels, bounded to [0, 1].

    The optimisation runs in a worker thread; each iteration hands its iterate to the consumer
    and waits, so the generator can be stopped at any iteration. Stops after ``iterations``
    iterations or when L-BFGS-B finds no further descent (convergence), whichever comes first.

    Args:
        evaluate: see module docstring.
        x0: initial image, float ``(H, W, 3)`` in [0, 1].
        iterations: maximum number of L-BFGS iterations (each may evaluate more than once).
        memory: number of correction pairs kept (scipy ``maxcor``).
        first: number given to the first iteration (coarse-to-fine stages continue the count).
        bounded: keep the pixels in [0, 1] (False: unbounded L-BFGS, for measurements).
        max_line_search: line-search steps allowed per iteration (scipy ``maxls``).
    """
    shape = (1, *x0.shape)
    last: dict[str, object] = {}

    def fun(flat: np.ndarray) -> tuple[float, np.ndarray]:
        x = tf.constant(flat.reshape(shape), tf.float32)
        losses, grad = evaluate(x)
        last.update(x=flat.copy(), losses=_floats(losses))
        return last["losses"]["total"], np.asarray(grad, np.float64).reshape(-1)

    handoff: queue.Queue = queue.Queue(maxsize=1)
    resume: queue.Queue = queue.Queue(maxsize=1)

    def callback(xk: np.ndarray) -> None:
        if not np.array_equal(last.get("x"), xk):
            fun(xk)
        handoff.put(("step", xk.copy(), dict(last["losses"])))
        if resume.get() == "stop":
            raise _Stop

    def worker() -> None:
        _single_threaded_blas()
        try:
            scipy.optimize.minimize(
                fun,
                np.asarray(x0, np.float64).reshape(-1),
                jac=True,
                method="L-BFGS-B",
                bounds=scipy.optimize.Bounds(0.0, 1.0) if bounded else None,
                callback=callback,
                options=_lbfgs_options(iterations, memory, max_line_search),
            )
            handoff.put(("done", None, None))
        except _Stop:
            handoff.put(("done", None, None))
        except BaseException as exc:  # forwarded to the consumer's thread
            handoff.put(("error", exc, None))

    yield from _consume(worker, handoff, resume, x0.shape, first)


def _lbfgs_options(iterations: int, memory: int, max_line_search: int) -> dict[str, float]:
    """scipy L-BFGS-B options: stop on the iteration count (or no descent), not on tolerances."""
    return {
        "maxiter": iterations,
        "maxfun": 4 * iterations + 20,
        "maxcor": memory,
        "maxls": max_line_search,
        "ftol": 0.0,
        "gtol": 0.0,
    }


def _consume(
    worker: Callable[[], None],
    handoff: queue.Queue,
    resume: queue.Queue,
    shape: tuple[int, ...],
    first: int,
) -> Iterator[Step]:
    """Run ``worker`` in a thread and yield the iterates it hands off, numbered from ``first``;
    tell it to stop (and wait for it) when the consumer stops early."""
    thread = threading.Thread(target=worker, name="lbfgs", daemon=True)
    thread.start()
    count = first - 1
    try:
        while True:
            kind, value, losses = handoff.get()
            if kind == "error":
                raise value
            if kind == "done":
                return
            count += 1
            yield count, value.reshape(shape).astype(np.float32), losses
            resume.put("go")
    finally:
        if thread.is_alive():
            resume.put("stop")
            thread.join()


def adam(
    evaluate: Evaluate,
    x0: np.ndarray,
    iterations: int,
    *,
    learning_rate: float = 10.0,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
    clip: bool = True,
    first: int = 1,
) -> Iterator[Step]:
    """Adam (Kingma & Ba 2015) on the pixels, clipped to [0, 1] after each step if ``clip``.

    Hyper-parameters have neural-style's meaning, i.e. for pixels on the 0-255 scale: the step is
    ``learning_rate * m_hat / (sqrt(v_hat) + epsilon)`` in 0-255 units (TensorFlow 1's
    AdamOptimizer form, epsilon outside the square root). Internally x lives in [0, 1], so the
    rate is divided by 255 and epsilon multiplied by 255, which gives identical iterates.
    ``clip=False`` is neural-style's unbounded variable: iterates (and yielded images) may leave
    [0, 1]. The arithmetic is TensorFlow 1's float32 Adam kernel, which neural-style ran:
    ``beta1**t`` and ``beta2**t`` are float32 running products, ``1 - beta`` and the bias
    correction are computed in float32 (``1 - 0.999`` is then 1.3e-5 off in relative terms, in
    ``v`` and in the correction alike), and the moments move as ``m += (g - m) (1 - beta1)``.
    """
    scale = 255.0
    x = tf.Variable(np.asarray(x0, np.float32)[None])
    m = tf.Variable(tf.zeros_like(x))
    v = tf.Variable(tf.zeros_like(x))
    betas = tf.constant([beta1, beta2], tf.float32)
    powers = tf.Variable(betas)  # beta1**t, beta2**t
    one = tf.constant(1.0, tf.float32)

    @tf.function
    def step(grad: tf.Tensor) -> None:
        alpha = (learning_rate / scale) * tf.sqrt(one - powers[1]) / (one - powers[0])
        m.assign_add((grad - m) * (one - betas[0]))
        v.assign_add((tf.square(grad) - v) * (one - betas[1]))
        stepped = x - (m * alpha) / (tf.sqrt(v) + epsilon * scale)
        x.assign(tf.clip_by_value(stepped, 0.0, 1.0) if clip else stepped)
        powers.assign(powers * betas)

    _, grad = evaluate(tf.convert_to_tensor(x))
    for t in range(1, iterations + 1):
        step(grad)
        losses, grad = evaluate(tf.convert_to_tensor(x))
        yield first + t - 1, x.numpy()[0], _floats(losses)
