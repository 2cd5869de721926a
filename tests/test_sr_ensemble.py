"""Geometric self-ensemble: the group, equivariant models, explicit averages, the scripts."""

import json

import numpy as np
import pytest
from PIL import Image
from seeds import rng

from imaging import imresize
from sr import models
from sr.cli import eval as sr_eval
from sr.cli import upscale as sr_upscale
from sr.ensemble import dihedral, self_ensemble, undo_dihedral
from sr.inference import make_predictor
from sr.tiling import margin_for, upscale_rgb
from sr.weights import metadata, save_weights

#: The eight symmetries of the square written out by hand (independently of sr.ensemble's
#: numbering), each as (forward, inverse) on the first two axes.
GROUP = [
    (lambda a: a, lambda a: a),
    (np.fliplr, np.fliplr),
    (np.flipud, np.flipud),
    (lambda a: a[::-1, ::-1], lambda a: a[::-1, ::-1]),
    (lambda a: a.swapaxes(0, 1), lambda a: a.swapaxes(0, 1)),
    (lambda a: a[::-1, ::-1].swapaxes(0, 1), lambda a: a[::-1, ::-1].swapaxes(0, 1)),
    (lambda a: a.swapaxes(0, 1)[::-1], lambda a: a[::-1].swapaxes(0, 1)),  # a quarter turn
    (lambda a: a.swapaxes(0, 1)[:, ::-1], lambda a: a[:, ::-1].swapaxes(0, 1)),  # the other
]


def _planes(h=10, w=13, scale=3, n=0):
    lr = rng(n).integers(0, 256, (h, w)).astype(np.float64)
    bic = np.clip(np.rint(imresize(lr, float(scale))), 0, 255)
    return lr, bic


def test_dihedral_is_the_group_of_the_square():
    x = np.arange(12.0).reshape(3, 4)
    images = [dihedral(x, k) for k in range(8)]
    expected = [f(x) for f, _ in GROUP]
    as_set = {(a.shape, a.tobytes()) for a in images}
    assert as_set == {(a.shape, np.ascontiguousarray(a).tobytes()) for a in expected}
    assert len(as_set) == 8
    for k in range(8):
        np.testing.assert_array_equal(undo_dihedral(dihedral(x, k), k), x)


def test_calls_the_network_eight_times_on_the_eight_transforms():
    lr, bic = _planes()
    seen = []

    def net(lr_y, bic_y, scale):
        seen.append((lr_y.copy(), bic_y.copy(), scale))
        return bic_y

    out = self_ensemble(net)(lr, bic, 3)
    assert len(seen) == 8
    assert all(s == 3 for *_, s in seen)
    got = {(b.shape, b.tobytes()) for _, b, _ in seen}
    want = {(f(bic).shape, np.ascontiguousarray(f(bic)).tobytes()) for f, _ in GROUP}
    assert got == want  # every symmetry once, bicubic and LR transformed alike:
    for lr_k, bic_k, _ in seen:
        assert lr_k.shape == (bic_k.shape[0] // 3, bic_k.shape[1] // 3)
        np.testing.assert_allclose(np.rint(imresize(lr_k, 3.0)).clip(0, 255), bic_k)
    np.testing.assert_array_equal(out, bic)  # the bicubic "model" is its own ensemble


def test_non_equivariant_model_gives_the_explicit_average():
    lr, bic = _planes(h=7, w=11, scale=2)

    def net(lr_y, bic_y):  # position-dependent, and reads its LR input
        h, w = bic_y.shape
        return (
            bic_y * 0.5 + lr_y[0, 1] / 7.0 + np.add.outer(np.arange(h), 2 * np.arange(w)) ** 1.5 / 9
        )

    expected = np.mean([inv(net(f(lr), f(bic))) for f, inv in GROUP], axis=0)
    out = self_ensemble(net)(lr, bic)
    assert out.shape == bic.shape and out.dtype == np.float64
    # float64 throughout (8 flips and a mean of values below 1e3): errors near 1e-13
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-9)
    assert np.abs(out - net(lr, bic)).max() > 1.0  # the model is not equivariant
    assert not np.array_equal(out, np.rint(out))  # averaged in float, not rounded


def _symmetric_srcnn():
    """SRCNN with random kernels averaged over the 8 symmetries: an equivariant network."""
    net = models.srcnn()
    draw = rng(4)
    for w in net.weights:
        value = draw.normal(0, 0.05, w.shape)
        if value.ndim == 4:  # (kh, kw, in, out): symmetrise the spatial axes
            value = np.mean([f(value) for f, _ in GROUP], axis=0)
        w.assign(value.astype(np.float32))
    return net


def test_equivariant_network_is_its_own_ensemble():
    net = _symmetric_srcnn()
    predict = make_predictor(net, "srcnn")
    lr, bic = _planes(h=12, w=15, scale=3, n=2)
    plain = predict(lr, bic)
    assert np.abs(plain - bic).max() > 2  # the network does change the image
    # a flipped input sums each float32 convolution in another order: u sqrt(K) with K = 81 + 64
    # + 800 + 3 terms (9x9, 1x1x64, 5x5x32 and the biases) of values on the 0-255 scale is 4.6e-4
    # at one standard deviation; 2e-3 is four
    np.testing.assert_allclose(self_ensemble(predict)(lr, bic), plain, rtol=0, atol=2e-3)


def test_equivariant_network_through_tiles():
    """Tiling, the RGB path and the ensemble together: still the plain model's output."""
    net = _symmetric_srcnn()
    predict = make_predictor(net, "srcnn")
    rgb = rng(5).random((21, 26, 3)).astype(np.float32)
    margin = margin_for("srcnn", 2)
    plain = upscale_rgb(rgb, predict, 2, tile_lr=8, margin=margin).astype(int)
    ens = upscale_rgb(rgb, self_ensemble(predict), 2, tile_lr=8, margin=margin).astype(int)
    # the 5e-4-level float32 differences above, rounded once to uint8: one level at most
    assert np.abs(plain - ens).max() <= 1


def test_sr_eval_marks_the_ensemble(tmp_path, capsys):
    folder = tmp_path / "Tiny"
    folder.mkdir()
    Image.fromarray(rng(1).integers(0, 256, (30, 35, 3), dtype=np.uint8)).save(folder / "a.png")
    argv = ["--dataset", str(folder), "--scale", "2", "--json"]
    assert sr_eval.main(argv) == 0
    plain = json.loads(capsys.readouterr().out)[0]
    assert sr_eval.main([*argv, "--self-ensemble", "--output-dir", str(tmp_path / "o")]) == 0
    plus = json.loads(capsys.readouterr().out)[0]
    assert plain["model"] == "bicubic" and plus["model"] == "bicubic+"
    assert plus["psnr"] == pytest.approx(plain["psnr"], abs=1e-9)  # bicubic is equivariant
    assert (tmp_path / "o" / "bicubic+" / "Tiny" / "x2" / "a.png").is_file()


def test_sr_upscale_self_ensemble(tmp_path):
    """A random (not equivariant) SRCNN: the ensemble changes the output, tiles still join."""
    net = models.srcnn()
    for w in net.weights:
        w.assign(rng(0).normal(0, 0.05, w.shape).astype(np.float32))
    weights = tmp_path / "s.weights.h5"
    save_weights(net, weights, metadata("srcnn", [2], srcnn_variant="9-1-5"))
    src = tmp_path / "in.png"
    Image.fromarray(rng(2).integers(0, 256, (20, 23, 3), np.uint8)).save(src)
    common = ["--scale", "2", "--model", "srcnn", "--weights", str(weights)]
    out = {}
    for name, extra in [("p", []), ("e", ["--self-ensemble"]), ("t", ["--self-ensemble"])]:
        tile = ["--tile", "16"] if name == "t" else ["--no-tile"]
        assert (
            sr_upscale.main([str(src), str(tmp_path / f"{name}.png"), *common, *extra, *tile]) == 0
        )
        out[name] = np.asarray(Image.open(tmp_path / f"{name}.png")).astype(int)
    assert out["e"].shape == (40, 46, 3)
    # tiles with margins: float32 sums in another order (~1e-4 of a level), one level at most
    assert np.abs(out["e"] - out["t"]).max() <= 1
    assert np.abs(out["e"] - out["p"]).max() > 2
