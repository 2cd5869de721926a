"""sr_upscale.py end to end (tiled vs untiled), upscalers with weights, and bad input."""

import re
from pathlib import Path

import numpy as np
import pytest
import seeds
from PIL import Image
from sr_measure import measure

from imaging import imresize
from sr import models
from sr.cli import eval as sr_eval
from sr.cli import upscale as sr_upscale
from sr.result_tables import blocks
from sr.results import measured, measured_cells
from sr.upscalers import shipped_weights
from sr.weights import metadata, read_metadata, save_weights

REPO = Path(__file__).resolve().parents[1]


def _photo(path, h=45, w=52):
    rng = seeds.rng(3)
    small = rng.integers(0, 256, (h // 4 + 1, w // 4 + 1, 3)).astype(float)
    rgb = np.clip(np.rint(imresize(small, 4.0)[:h, :w]), 0, 255).astype(np.uint8)
    Image.fromarray(rgb).save(path)
    return rgb


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    """Random-weight SRCNN x3, a 4-layer VDSR for x2-x4 and a 4-layer VDSR-sp x3 on disk."""
    root = tmp_path_factory.mktemp("sr_weights")
    net = models.srcnn()
    for w in net.weights:  # larger random weights so the output differs from the input
        w.assign(seeds.rng(0).normal(0, 0.05, w.shape).astype(np.float32))
    save_weights(net, root / "srcnn.weights.h5", metadata("srcnn", [3], srcnn_variant="9-1-5"))
    save_weights(
        models.vdsr(depth=4), root / "vdsr.weights.h5", metadata("vdsr", [2, 3, 4], depth=4)
    )
    sp = models.vdsr_sp(3, depth=4)
    last = sp.get_layer("conv4")  # starts at zero (the bicubic upscaling): make it random
    last.set_weights([seeds.rng(1).normal(0, 0.05, w.shape) for w in last.weights])
    save_weights(sp, root / "sp.weights.h5", metadata("vdsr_sp", [3], depth=4))
    return root


@pytest.mark.parametrize(
    "model, file, scale",
    [("srcnn", "srcnn", 3), ("vdsr", "vdsr", 2), ("vdsr", "vdsr", 4), ("vdsr_sp", "sp", 3)],
)
def test_tiled_equals_untiled(tmp_path, weights, model, file, scale):
    src = tmp_path / "in.png"
    rgb = _photo(src)
    w = str(weights / f"{file}.weights.h5")
    common = [str(src), "--scale", str(scale), "--model", model, "--weights", w]
    assert sr_upscale.main([common[0], str(tmp_path / "t.png"), *common[1:], "--tile", "16"]) == 0
    assert sr_upscale.main([common[0], str(tmp_path / "u.png"), *common[1:], "--no-tile"]) == 0
    tiled = np.asarray(Image.open(tmp_path / "t.png")).astype(int)
    whole = np.asarray(Image.open(tmp_path / "u.png")).astype(int)
    assert tiled.shape == (45 * scale, 52 * scale, 3)
    # the margins make tiles exact but for float32 sums taken in another order by another tile
    # shape (a few ulp): one 8-bit level where a value sits that close to a half (0 measured)
    assert np.abs(tiled - whole).max() <= 1
    bic = np.clip(imresize(rgb.astype(float), float(scale)), 0, 255)
    assert np.abs(whole - bic).max() > 2  # the (random) network changed the image


def test_bicubic_model_equals_rgb_bicubic(tmp_path):
    """Y and CbCr resized separately and converted back == RGB resized (all linear)."""
    src = tmp_path / "in.png"
    rgb = _photo(src)
    args = [str(src), str(tmp_path / "o.png"), "--scale", "2", "--model", "bicubic", "--tile", "32"]
    assert sr_upscale.main(args) == 0
    out = np.asarray(Image.open(tmp_path / "o.png")).astype(float)
    expected = np.clip(np.rint(imresize(rgb.astype(float), 2.0)), 0, 255)
    assert out.shape == (90, 104, 3)
    # x2 bicubic weights are multiples of 1/128, so some RGB values land exactly on a half: the
    # YCbCr path's float64 rounding (~1e-13) sends those either way, one level (1 measured)
    assert np.abs(out - expected).max() <= 1


def _one_error_line(capsys, code, needle):
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0
    assert len(err) == 1 and needle in err[0], err


def test_bad_input(tmp_path, weights, capsys):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff garbage")
    out = tmp_path / "o.png"
    w = str(weights / "srcnn.weights.h5")
    code = sr_upscale.main([str(bad), str(out), "--scale", "3", "--model", "srcnn", "--weights", w])
    _one_error_line(capsys, code, "bad.jpg")
    src = tmp_path / "in.png"
    _photo(src)
    code = sr_upscale.main([str(src), str(out), "--scale", "5", "--model", "srcnn", "--weights", w])
    _one_error_line(capsys, code, "trained for x3, not x5")
    code = sr_upscale.main([str(src), str(out), "--scale", "3", "--model", "vdsr", "--weights", w])
    _one_error_line(capsys, code, "holds srcnn weights, not vdsr")
    junk = tmp_path / "junk.weights.h5"
    junk.write_bytes(b"nope")
    code = sr_upscale.main(
        [str(src), str(out), "--scale", "3", "--model", "vdsr", "--weights", str(junk)]
    )
    _one_error_line(capsys, code, "junk.weights.h5")
    with pytest.raises(SystemExit) as exc:
        sr_upscale.main([str(src), str(out), "--scale", "1"])
    assert exc.value.code == 2
    assert not out.exists()


def test_sr_eval_with_weights_and_wrong_scale(tmp_path, weights, capsys):
    folder = tmp_path / "Tiny"
    folder.mkdir()
    _photo(folder / "a.png")
    w = str(weights / "vdsr.weights.h5")
    assert (
        sr_eval.main(
            ["--model", "vdsr", "--weights", w, "--dataset", str(folder), "--scale", "2", "4"]
        )
        == 0
    )
    assert "vdsr" in capsys.readouterr().out
    code = sr_eval.main(
        ["--model", "vdsr", "--weights", w, "--dataset", str(folder), "--scale", "5"]
    )
    _one_error_line(capsys, code, "not x5")


#: Set5 x3 PSNR (dB) the shipped weights must beat bicubic by: what the shipped files measure
#: (sr/results.json) less 0.04-0.07 dB.
SHIPPED_MARGIN = {"srcnn": 1.9, "vdsr": 2.9, "vdsr_sp": 2.93}
#: where the shipped-weights tables are shown (rendered from sr/results.json)
RESULTS_DOC = REPO / "docs" / "sr-results.md"


@pytest.mark.parametrize("model", sorted(SHIPPED_MARGIN))
def test_shipped_weights_beat_bicubic_on_set5_x3(data_dir, model):
    """Measured afresh (shared with tests/test_sr_results.py), and as the table states it."""
    assert shipped_weights(model, 3).is_file(), f"the {model} x3 weights are not shipped"
    base = measure(data_dir, "bicubic", "Set5", 3).psnr
    ours = measure(data_dir, model, "Set5", 3).psnr
    assert ours > base + SHIPPED_MARGIN[model]
    stated = measured(model, "Set5", 3).psnr - measured("bicubic", "Set5", 3).psnr
    assert stated > SHIPPED_MARGIN[model]


def test_shipped_weight_files_name_their_model():
    paths = set()
    for model in ("srcnn", "vdsr", "vdsr_sp"):
        for scale in (2, 3, 4):
            path = shipped_weights(model, scale)
            meta = read_metadata(path)
            assert meta["sr_model"] == model and scale in meta["scales"], path
            paths.add(path)
    assert len(paths) == 7


def _shipped_table(scale: int) -> str:
    tables = dict(blocks(RESULTS_DOC.read_text()))
    assert f"shipped-x{scale}" in tables, f"{RESULTS_DOC.name}: no x{scale} shipped-weights table"
    return tables[f"shipped-x{scale}"]


def test_docs_tables_give_the_shipped_files_epochs():
    """Each shipped-weights table row "MODEL (N epochs)" (docs/sr-results.md) agrees with the
    weight file's metadata, and so does every network cell of sr/results.json."""
    names = {"SRCNN 9-1-5": "srcnn", "VDSR": "vdsr", "VDSR-sp": "vdsr_sp"}
    seen = 0
    for scale in (2, 3, 4):
        table = _shipped_table(scale)
        for name, model in names.items():
            match = re.search(rf"^\| {re.escape(name)} \((\d+) epochs\) \|", table, re.M)
            assert match, f"x{scale} table: no row for {name} (N epochs)"
            meta = read_metadata(shipped_weights(model, scale))
            assert int(match[1]) == meta["epochs_trained"], (name, scale)
            seen += 1
    assert seen == 9
    for (model, _, scale), cell in measured_cells().items():
        if model != "bicubic":
            meta = read_metadata(shipped_weights(model.removesuffix("+"), scale))
            assert cell.epochs == meta["epochs_trained"], (model, scale)


def _docs_cell(name: str, scale: int, column: int) -> tuple[str, str]:
    table = _shipped_table(scale)
    match = re.search(rf"^\| {re.escape(name)} \((\d+) epochs\) \|(.*)$", table, re.M)
    assert match, f"x{scale} table: no row for {name} (N epochs)"
    return match[1], match[2].split("|")[column].strip()


def test_docs_plus_rows_name_the_shipped_epochs():
    """The "+" (self-ensemble) rows sit beside the plain ones with the same weight files."""
    names = {"SRCNN 9-1-5": "srcnn", "VDSR": "vdsr", "VDSR-sp": "vdsr_sp"}
    for scale in (2, 3, 4):
        for name, model in names.items():
            epochs, _ = _docs_cell(f"{name}+", scale, 0)
            assert int(epochs) == read_metadata(shipped_weights(model, scale))["epochs_trained"]


def test_docs_srcnn_plus_set5_x3_is_measured(data_dir):
    """One "+" cell recomputed: SRCNN x3 with the self-ensemble on Set5 (8 passes per image)."""
    ours = measure(data_dir, "srcnn+", "Set5", 3)
    _, cell = _docs_cell("SRCNN 9-1-5+", 3, 0)
    psnr, ssim = (float(v) for v in cell.split(" / "))
    # the docs print PSNR to 0.001 dB and SSIM to 0.0001: half the last digit is the rounding
    assert ours.psnr == pytest.approx(psnr, abs=0.0005)
    assert ours.ssim == pytest.approx(ssim, abs=0.00005)
