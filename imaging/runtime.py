"""Import TensorFlow once, without its start-up chatter on stderr.

TensorFlow's C++ runtime prints several lines (oneDNN notice, CUDA probing) when it is
imported and when it first lists devices, whatever ``TF_CPP_MIN_LOG_LEVEL`` says. Our scripts
promise one clear line on stderr for bad input, so the import and the device probe run with
file descriptor 2 pointed at ``/dev/null``. Set ``TFIS_TF_VERBOSE=1`` to see those messages
(for example to debug a GPU setup).
"""

from __future__ import annotations

import os
import sys


def _import_tensorflow():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if "tensorflow" in sys.modules or os.environ.get("TFIS_TF_VERBOSE") == "1":
        import tensorflow

        return tensorflow
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        sys.stderr.flush()
        os.dup2(devnull, 2)
        import tensorflow

        tensorflow.config.list_physical_devices()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    return tensorflow


tf = _import_tensorflow()


BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


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
