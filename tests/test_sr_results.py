"""sr/results.json, the one table of super-resolution numbers: its shape, the documentation's tables
rendered from it, and every cell re-measured with the shipped weights.

Each plain cell (bicubic, srcnn, vdsr, vdsr_sp on Set5 and Set14 at x2, x3 and x4) is evaluated
afresh and must agree with the table within 0.01 dB PSNR and 0.0005 SSIM. A "+" cell (the
self-ensemble) costs 8 evaluations, so CI re-measures only the cheap ones in ``CI_PLUS`` (SRCNN+ on
Set5 at every scale, VDSR-sp+ on Set5 at x3 and x4); set ``SR_CHECK_ALL_PLUS=1`` to re-measure
every "+" cell as well (over an hour more on 2 vCPUs, VDSR+ most of it). Evaluations are shared
with tests/test_sr_eval.py and tests/test_sr_upscale.py through ``tests/sr_measure.py`` (one per
cell per session).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sr_measure import measure

from sr.result_tables import TABLES, blocks, render
from sr.results import (
    DATASETS,
    MODELS,
    RESULTS_FILE,
    SCALES,
    fmt_cell,
    measured,
    measured_cells,
    published,
    published_cells,
    sources,
)

REPO = Path(__file__).resolve().parents[1]
#: the documents that show result tables, and the tables each must show
DOCS = {
    "README.md": {"headline", "headline-plus"},
    "docs/sr-results.md": set(TABLES) - {"headline", "headline-plus"},
}
NETWORKS = [m for m in MODELS if m != "bicubic"]
PLAIN = [(m, d, s) for m in MODELS for d in DATASETS for s in SCALES]
PLUS = [(f"{m}+", d, s) for m in NETWORKS for d in DATASETS for s in SCALES]
#: "+" cells re-measured in CI, with their CPU seconds measured on 2 shared vCPUs: SRCNN+ on Set5
#: 6 per scale, VDSR-sp+ on Set5 24 at x3 and 15 at x4. Left to SR_CHECK_ALL_PLUS: VDSR-sp+ Set5
#: x2 (54), every Set14 cell (SRCNN+ 75 per scale, VDSR-sp+ 100-350) and VDSR+ (230 per Set5
#: scale, about 1300 per Set14 scale).
CI_PLUS = [("srcnn+", "Set5", s) for s in SCALES] + [("vdsr_sp+", "Set5", s) for s in (3, 4)]
ALL_PLUS = os.environ.get("SR_CHECK_ALL_PLUS") == "1"


def test_results_module_reads_json_without_tensorflow():
    path = str(RESULTS_FILE.with_suffix(".py"))
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('results', {path!r})\n"
        "module = sys.modules['results'] = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "assert module.published('vdsr', 'Set5', 2) is not None\n"
        "assert 'tensorflow' not in sys.modules, 'sr/results.py imported TensorFlow'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-800:]


def test_table_has_every_cell():
    cells = measured_cells()
    assert set(cells) == set(PLAIN) | set(PLUS)
    for (model, dataset, scale), cell in cells.items():
        assert cell.source == "sr_eval"
        assert 0 < cell.ssim < 1 and 20 < cell.psnr < 45, cell
        if model == "bicubic":
            assert cell.epochs is None
        else:  # a "+" row uses the plain row's weight file
            assert cell.epochs == measured(model.removesuffix("+"), dataset, scale).epochs > 0
    assert {m for m, _, _ in published_cells()} == {"bicubic", "srcnn", "vdsr"}
    for cell in published_cells().values():
        assert cell.source in sources() and cell.source != "sr_eval"
        assert (cell.psnr, cell.ssim) == published(*cell.key)
    assert published("vdsr_sp", "Set5", 2) is None  # our variant: no paper of its own
    assert published("srcnn", "Set5", 3)[1] is None  # the SRCNN paper gives PSNR only


def test_self_ensemble_beats_the_plain_row():
    for model, dataset, scale in PLUS:
        plus, plain = measured(model, dataset, scale), measured(model[:-1], dataset, scale)
        assert plus.psnr > plain.psnr and plus.ssim >= plain.ssim, (model, dataset, scale)


def test_every_table_is_shown():
    assert set().union(*DOCS.values()) == set(TABLES)


@pytest.mark.parametrize("doc", sorted(DOCS))
def test_docs_tables_are_rendered_from_the_table(doc):
    """Every marked table equals its rendering (so every cell, PSNR and SSIM, string for string);
    `python -m sr.result_tables` prints the blocks to paste after editing sr/results.json."""
    text = (REPO / doc).read_text()
    found = blocks(text)
    assert DOCS[doc] <= {name for name, _ in found}, f"{doc} lacks a result table"
    for name, table in found:
        assert table == render(name), f"{doc}: table {name} differs from sr/results.json"


@pytest.mark.parametrize("doc", sorted(DOCS))
def test_docs_state_measured_cells_only_in_rendered_tables(doc):
    """A "PSNR / SSIM" figure of the table typed outside the rendered blocks would be a copy."""
    text = (REPO / doc).read_text()
    for _, table in blocks(text):
        text = text.replace(table, "")
    for cell in measured_cells().values():
        assert fmt_cell(cell) not in text, f"{doc} repeats {cell.key} outside a rendered table"


def _check(data_dir: Path, model: str, dataset: str, scale: int) -> None:
    ours = measure(data_dir, model, dataset, scale)
    cell = measured(model, dataset, scale)
    # on another CPU the float32 network's outputs move by its rounding (u sqrt(K) relative, K up
    # to 20 * 576 terms for VDSR: 7e-6, i.e. 2e-3 grey levels), so the pixels within that of a
    # half level (about 0.4% of them) round to the neighbouring 8-bit level; each changes its
    # squared error by 2|e| + 1 or less, with either sign: an MSE change of a few 1e-4 relative,
    # ~0.001 dB, and less in SSIM; 0.01 dB and 0.0005 leave a factor of about 10
    assert ours.psnr == pytest.approx(cell.psnr, abs=0.01), (model, dataset, scale, ours.psnr)
    assert ours.ssim == pytest.approx(cell.ssim, abs=0.0005), (model, dataset, scale, ours.ssim)


@pytest.mark.parametrize("model, dataset, scale", PLAIN)
def test_plain_cell_is_measured(data_dir, model, dataset, scale):
    _check(data_dir, model, dataset, scale)


@pytest.mark.parametrize("model, dataset, scale", PLUS)
def test_plus_cell_is_measured(data_dir, model, dataset, scale):
    if not ALL_PLUS and (model, dataset, scale) not in CI_PLUS:
        pytest.skip("a costly '+' cell: set SR_CHECK_ALL_PLUS=1 to re-measure it")
    _check(data_dir, model, dataset, scale)
