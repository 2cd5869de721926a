"""The measured and published super-resolution results, read from ``sr/results.json``.

Every PSNR (dB) / SSIM on the Y channel that the documentation states lives in that file, once:
the papers' figures with their citation, and ours as ``scripts/sr_eval.py --json`` measured them
(``MODEL+`` = ``--self-ensemble``), with the epochs of the shipped weight file behind each row.
``scripts/sr_eval.py`` prints the papers' column from here, ``sr/result_tables.py`` renders the
documentation's tables from here, and the tests re-measure the cells against it. This module reads
JSON only (no TensorFlow).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

RESULTS_FILE = Path(__file__).with_name("results.json")

#: the base models, in table order (``MODEL+`` is a base model with the self-ensemble)
MODELS = ("bicubic", "srcnn", "vdsr", "vdsr_sp")
DATASETS = ("Set5", "Set14")
SCALES = (2, 3, 4)


@dataclass(frozen=True)
class Cell:
    """One (model, dataset, scale) result: PSNR in dB and SSIM in [0, 1] on Y.

    ``model`` is sr_eval.py's name (``vdsr``, ``vdsr+``, ...); ``ssim`` is None where a paper gives
    none; ``epochs`` is the shipped file's ``epochs_trained`` (None for bicubic and papers);
    ``source`` is a key of :func:`sources` (``sr_eval`` for our measurements).
    """

    model: str
    dataset: str
    scale: int
    psnr: float
    ssim: float | None
    epochs: int | None = None
    source: str = "sr_eval"

    @property
    def key(self) -> tuple[str, str, int]:
        return self.model, self.dataset, self.scale


@cache
def _load() -> dict:
    return json.loads(RESULTS_FILE.read_text(encoding="utf-8"))


def _cells(kind: str) -> dict[tuple[str, str, int], Cell]:
    cells = [Cell(**entry) for entry in _load()[kind]]
    table = {cell.key: cell for cell in cells}
    if len(table) != len(cells):
        raise ValueError(f"{RESULTS_FILE}: a cell is listed twice under {kind!r}")
    return table


def measured_cells() -> dict[tuple[str, str, int], Cell]:
    """Our measurements by (model, dataset, scale), ``MODEL+`` rows included."""
    return _cells("measured")


def published_cells() -> dict[tuple[str, str, int], Cell]:
    """The papers' figures by (model, dataset, scale)."""
    return _cells("published")


def sources() -> dict[str, str]:
    """Citation (or command) for each ``Cell.source`` key."""
    return dict(_load()["sources"])


def measured(model: str, dataset: str, scale: int) -> Cell | None:
    """Our measurement of this cell, or None when the table has none."""
    return measured_cells().get((model, dataset, scale))


def published(model: str, dataset: str, scale: int) -> tuple[float, float | None] | None:
    """The paper's (PSNR, SSIM) for this cell, or None when no paper reports it."""
    cell = published_cells().get((model, dataset, scale))
    return None if cell is None else (cell.psnr, cell.ssim)


def fmt(value: float | None, kind: str, what: str) -> str:
    """``value`` with the decimals the table gives it (``kind`` measured / published, ``what``
    psnr / ssim): measured 33.652 / 0.9296, published 33.66 / 0.9299; ``–`` for None."""
    if value is None:
        return "–"
    return f"{value:.{_load()['decimals'][kind][what]}f}"


def fmt_cell(cell: Cell, kind: str = "measured") -> str:
    """``PSNR / SSIM`` as the tables print it (the PSNR alone when there is no SSIM)."""
    psnr = fmt(cell.psnr, kind, "psnr")
    return psnr if cell.ssim is None else f"{psnr} / {fmt(cell.ssim, kind, 'ssim')}"
