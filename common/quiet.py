"""Import TensorFlow once, without its start-up chatter on stderr.

TensorFlow's C++ runtime prints several lines (oneDNN notice, CUDA probing) when it is
imported and when it first lists devices, whatever ``TF_CPP_MIN_LOG_LEVEL`` says. Our scripts
promise one clear line on stderr for bad input, so the import and the device probe run with
file descriptor 2 pointed at ``/dev/null``. Every entry point imports this module first (the
task packages' ``__init__`` do, and so does each ``scripts/*.py``); later ``import tensorflow``
statements then find the module already loaded. Modules of :mod:`common` take ``tf`` and
``keras`` from here, so importing any of them first is quiet too. Set ``TFIS_TF_VERBOSE=1``
to see those messages (for example to debug a GPU setup).
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

import keras  # noqa: E402  (after TensorFlow, whose import above is the quiet one)

__all__ = ["keras", "tf"]
