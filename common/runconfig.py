"""The configuration file every run writes, under one naming rule.

* beside an output file ``OUT`` (an image, a GIF): ``OUT_STEM.config.json``, so two outputs in
  one folder keep one config each;
* in a run folder (training runs, export folders, folders of upscaled images): ``config.json``.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from common.files import atomic_write

CONFIG_NAME = "config.json"


def config_path(output: str | os.PathLike, *, folder: bool | None = None) -> Path:
    """Where the config of the run that writes ``output`` goes.

    ``folder`` says whether ``output`` is a run folder; by default, whether it is an existing
    directory.
    """
    out = Path(output)
    if folder is None:
        folder = out.is_dir()
    if folder:
        return out / CONFIG_NAME
    return out.with_name(f"{out.stem}.config.json")


def write_config(path: str | os.PathLike, config: Any = None, **extra: Any) -> None:
    """Write ``config`` (a dataclass or mapping) and ``extra`` keys as indented JSON, atomically."""
    data: dict[str, Any] = {}
    if dataclasses.is_dataclass(config):
        data.update(dataclasses.asdict(config))
    elif config is not None:
        data.update(dict(config))
    data.update(extra)
    with atomic_write(path, "w") as handle:
        json.dump(data, handle, indent=2, sort_keys=True, default=_jsonable)
        handle.write("\n")


def write_run_config(
    output: str | os.PathLike, config: Any = None, *, folder: bool | None = None, **extra: Any
) -> Path:
    """Write the config of the run that wrote ``output`` at :func:`config_path`; return the path."""
    path = config_path(output, folder=folder)
    write_config(path, config, **extra)
    return path


def _jsonable(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, set | frozenset):
        return sorted(value)
    return str(value)
