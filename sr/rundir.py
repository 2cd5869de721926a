"""The bookkeeping files of a training run's directory: ``config.json`` and ``history.jsonl``.

``config.json`` holds the :class:`~sr.config.TrainConfig` and what the run found (patch count,
parameters, replicas, the epochs behind ``--init`` weights); ``history.jsonl`` one JSON line
per epoch. Both are rewritten atomically, so a kill leaves the old or the new file.
"""

from __future__ import annotations

import json
from pathlib import Path

from common.errors import UserError
from common.files import atomic_write
from common.runconfig import config_path
from sr.config import TrainConfig, config_from_dict
from sr.distribute import task_dir

HISTORY = "history.jsonl"


def holds_run(directory: Path) -> bool:
    """Whether ``directory`` holds a run: a whole checkpoint (TensorFlow writes the state file
    ``checkpoints/checkpoint`` once one is), or an older run's checkpoint.npz. A run killed while
    writing its first checkpoint holds none, so the same command starts it again."""
    names = ("checkpoints/checkpoint", "checkpoint.npz")
    return any((directory / name).exists() for name in names)


def saved_config(out: Path) -> tuple[dict, TrainConfig]:
    """The config a run wrote: ``out/config.json``, or on a worker of a cluster that cannot see
    the chief's ``out``, its own copy in ``out/.worker-N``."""
    path = config_path(out, folder=True)
    if not path.exists() and task_dir(out) is not None:
        path = config_path(task_dir(out), folder=True)
    try:
        saved = json.loads(path.read_text())
        return saved, config_from_dict(saved)
    except (OSError, ValueError) as err:
        raise UserError(f"cannot resume: no readable {path} ({err})") from None


def history(directory: Path) -> list[str]:
    """The lines of ``directory/history.jsonl`` (none when there is no file yet)."""
    path = directory / HISTORY
    return path.read_text().splitlines() if path.exists() else []


def append_history(directory: Path, record: dict) -> None:
    """Add ``record`` as one JSON line to ``directory/history.jsonl``."""
    _rewrite_history(directory, [*history(directory), json.dumps(record)])


def keep_history(directory: Path, epochs: int) -> None:
    """Drop lines of epochs past ``epochs`` (written before a kill, redone on resume)."""
    lines = history(directory)
    kept = [line for line in lines if json.loads(line)["epoch"] <= epochs]
    if kept != lines:
        _rewrite_history(directory, kept)


def _rewrite_history(directory: Path, lines: list[str]) -> None:
    with atomic_write(directory / HISTORY, "w") as handle:
        handle.write("".join(line + "\n" for line in lines))
