"""Writing files so that an interrupted run never leaves a half-written one."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from common.errors import UserError


class OutputError(UserError):
    """An output path that cannot be written; the message names the path and the cause."""


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success it is synced and renamed to ``path``.

    On any exception the temporary file is removed and ``path`` is left untouched.

    Raises:
        OutputError: the folder of ``path`` does not exist or is not writable.
    """
    name = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(name))
    if not os.path.isdir(directory):
        raise OutputError(f"{name}: directory {directory} does not exist")
    if not os.access(directory, os.W_OK):
        raise OutputError(f"{name}: directory {directory} is not writable")
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(name)}.", suffix=".tmp")
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual permissions
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, name)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_path(path: str | os.PathLike, write: Any) -> None:
    """Call ``write(tmp)`` with a temporary path beside ``path``, then rename it to ``path``.

    For writers that want a file name rather than a handle (h5py, Keras ``save_weights``); the
    temporary name keeps ``path``'s suffix, which such writers check. On any exception the
    temporary file is removed and ``path`` is left untouched.
    """
    name = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(name))
    if not os.path.isdir(directory):
        raise OutputError(f"{name}: directory {directory} does not exist")
    base = os.path.basename(name)
    suffix = ".weights.h5" if base.endswith(".weights.h5") else os.path.splitext(base)[1]
    tmp = os.path.join(directory, f".{base}.{os.getpid()}.{secrets.token_hex(4)}.tmp{suffix}")
    try:
        write(tmp)
        os.replace(tmp, name)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
