"""Numeric precision of the networks: float32 (the reference) or mixed_bfloat16.

One list of choices, one scope that sets Keras' global dtype policy and restores it, and the
probe that says whether this machine runs bfloat16 in hardware.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

from common.quiet import keras, tf

#: The choices of every ``--precision`` flag; float32 is the default and the reference.
PRECISIONS = ("float32", "mixed_bfloat16")

BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


@contextlib.contextmanager
def precision_scope(precision: str) -> Iterator[None]:
    """Set Keras' global dtype policy to ``precision`` for the block, then restore the old one.

    Layers take the policy when they are built, so a network built inside the scope keeps
    ``precision`` after it.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(precision)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def cpu_flags(cpuinfo: str = "/proc/cpuinfo") -> frozenset[str] | None:
    """The CPU's feature flags from Linux's ``/proc/cpuinfo``, or None where it cannot be read."""
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                if key.strip() == "flags":
                    return frozenset(value.split())
    except OSError:
        return None
    return None


def native_bf16(flags: frozenset[str] | None = None, gpus: int | None = None) -> bool | None:
    """Whether ``mixed_bfloat16`` runs on bfloat16 hardware here.

    True with a visible GPU (TensorFlow runs the networks there; its bf16 is fast from NVIDIA
    Ampere on, which is not checked) or a CPU with AVX-512 BF16 or AMX; False on a CPU without
    them, where oneDNN emulates bfloat16 and a network runs several times slower than in
    float32; None when the CPU's flags are unknown (not Linux). ``flags`` and ``gpus`` default
    to this machine's.
    """
    if gpus is None:
        gpus = len(tf.config.list_physical_devices("GPU"))
    if gpus:
        return True
    if flags is None:
        flags = cpu_flags()
    if flags is None:
        return None
    return any(flag in flags for flag in BF16_CPU_FLAGS)


def precision_warning(prog: str, precision: str, native: bool | None) -> str | None:
    """The warning line for ``--precision mixed_bfloat16`` on a CPU that only emulates bfloat16.

    ``native`` is :func:`native_bf16`: True, False, or None when unknown. None (no warning)
    unless ``precision`` is mixed_bfloat16 and ``native`` is False.
    """
    if precision != "mixed_bfloat16" or native is not False:
        return None
    return (
        f"{prog}: warning: this CPU has no AVX-512 BF16 or AMX, so mixed_bfloat16 is emulated "
        "and much slower than float32 here; use --precision float32"
    )


def warn_precision(prog: str, precision: str) -> None:
    """Print :func:`precision_warning` for this machine on stderr when there is one."""
    native = native_bf16() if precision == "mixed_bfloat16" else None
    message = precision_warning(prog, precision, native)
    if message:
        print(message, file=sys.stderr)
