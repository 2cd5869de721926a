"""One evaluation per (model, dataset, scale) for the whole test session.

Several test files compare the shipped weights with ``sr/results.json``; a VDSR pass over Set14
takes a minute on 2 vCPUs, so each cell is evaluated once per process and shared.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from sr.ensemble import self_ensemble
from sr.evaluation import DatasetScore, evaluate_dataset
from sr.upscalers import bicubic, get_upscaler


@cache
def measure(data_dir: Path, model: str, dataset: str, scale: int) -> DatasetScore:
    """sr_eval.py's figures for ``model`` (``bicubic``, ``srcnn``, ..., ``vdsr_sp+``; ``+`` is the
    8-fold self-ensemble) with the shipped weights on ``data_dir / dataset`` at x``scale``."""
    base = model.removesuffix("+")
    upscaler = bicubic if base == "bicubic" else get_upscaler(base, scale)
    if model.endswith("+"):
        upscaler = self_ensemble(upscaler)
    return evaluate_dataset(upscaler, model, data_dir / dataset, scale)
