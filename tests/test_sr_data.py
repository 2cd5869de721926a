"""Degradation, patch recipes (counts and exact pairing), sr_prepare.py and the tf.data source."""

import json

import h5py
import numpy as np
import pytest
from PIL import Image
from seeds import rng

from imaging import imresize
from scripts import sr_prepare
from sr import data, protocol
from sr.evaluation import prepare
from sr.pipeline import OnTheFly, training_planes


def _smooth(h, w, n=0):
    small = rng(n).integers(0, 256, (h // 4 + 1, w // 4 + 1)).astype(float)
    return np.clip(np.rint(imresize(small, 4.0)[:h, :w]), 0, 255).astype(np.uint8)


def test_degrade_is_the_evaluation_protocol(tmp_path):
    rgb = np.stack([_smooth(50, 47, s) for s in range(3)], axis=-1)
    Image.fromarray(rgb).save(tmp_path / "x.png")
    sample = prepare(tmp_path / "x.png", 3)
    d = protocol.degrade(protocol.y_plane(rgb), 3)
    np.testing.assert_array_equal(d.hr, sample.hr_y)
    np.testing.assert_array_equal(d.lr, sample.lr_y)
    np.testing.assert_array_equal(d.bicubic, sample.bicubic_y)


def test_patch_grid_counts():
    assert data.patch_grid(60, 47, 33, 14) == [(0, 0), (0, 14), (14, 0), (14, 14)]
    assert data.patch_grid(32, 100, 33, 14) == []


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_srcnn_pairs_are_centre_labels_of_bicubic_inputs(scale):
    y = _smooth(70, 61)
    d = protocol.degrade(y, scale)
    p = data.srcnn_patches(d, 33, 21, 14)
    corners = data.patch_grid(*d.hr.shape, 33, 14)
    assert p["bicubic"].shape == (len(corners), 33, 33) and p["label"].shape[1:] == (21, 21)
    for i, (r, c) in enumerate(corners):
        np.testing.assert_array_equal(p["bicubic"][i], d.bicubic[r : r + 33, c : c + 33])
        np.testing.assert_array_equal(p["label"][i], d.hr[r + 6 : r + 27, c + 6 : c + 27])


def test_vdsr_and_subpixel_pairing():
    d = protocol.degrade(_smooth(90, 100), 3)
    v = data.vdsr_patches(d, 41, 41)
    assert len(v["label"]) == 2 * 2
    np.testing.assert_array_equal(v["label"][3], d.hr[41:82, 41:82])
    np.testing.assert_array_equal(v["bicubic"][3], d.bicubic[41:82, 41:82])
    s = data.subpixel_patches(d, 10, 7)  # LR 30x33: rows 0,7,14 ; cols 0,7,14,21
    assert s["lr"].shape == (12, 10, 10) and s["label"].shape == (12, 30, 30)
    np.testing.assert_array_equal(s["lr"][5], d.lr[7:17, 7:17])
    np.testing.assert_array_equal(s["label"][5], d.hr[21:51, 21:51])
    np.testing.assert_array_equal(s["bicubic"][5], d.bicubic[21:51, 21:51])


def test_dihedral_gives_eight_distinct_variants():
    y = _smooth(9, 9)
    variants = data.augment_images(y, 8)
    assert len({v.tobytes() for v in variants}) == 8
    np.testing.assert_array_equal(variants[0], y)


def _folder(tmp_path, n=3, h=60, w=70):
    folder = tmp_path / "imgs"
    folder.mkdir()
    for i in range(n):
        rgb = np.stack([_smooth(h, w, 3 * i + c) for c in range(3)], axis=-1)
        Image.fromarray(rgb).save(folder / f"im{i}.png")
    return folder


def test_sr_prepare_srcnn_count_attrs_and_determinism(tmp_path, capsys):
    folder = _folder(tmp_path)
    out = tmp_path / "a.h5"
    assert sr_prepare.main(["srcnn", "--images", str(folder), "--scale", "3", "-o", str(out)]) == 0
    # 60x70 -> modcrop 60x69: rows 0,14 x cols 0,14,28 = 6 per image
    assert "18 patch pairs" in capsys.readouterr().out
    with h5py.File(out) as h5:
        assert h5["bicubic"].shape == (18, 33, 33) and h5["label"].shape == (18, 21, 21)
        assert h5.attrs["recipe"] == "srcnn" and list(h5.attrs["scales"]) == [3]
        assert len(json.loads(h5.attrs["sources"])) == 3
        first = h5["label"][...]
    out2 = tmp_path / "b.h5"
    sr_prepare.main(["srcnn", "--images", str(folder), "--scale", "3", "-o", str(out2)])
    with h5py.File(out2) as h5:
        np.testing.assert_array_equal(h5["label"][...], first)


def test_sr_prepare_vdsr_mixed_scales_and_augmentation(tmp_path, capsys):
    folder = _folder(tmp_path, n=1, h=90, w=90)
    out = tmp_path / "v.h5"
    args = ["vdsr", "--images", str(folder), "--augment", "8", "-o", str(out)]
    assert sr_prepare.main(args) == 0
    # 90 -> 90/90/88 after modcrop: 2x2 patches of 41 at each scale, 8 variants
    assert "96 patch pairs" in capsys.readouterr().out
    with h5py.File(out) as h5:
        assert sorted(set(h5["scale"][...].tolist())) == [2, 3, 4]
        assert h5.attrs["augment"] == 8
    config = json.loads((tmp_path / "v.config.json").read_text())  # OUT_STEM.config.json
    assert (config["recipe"], config["scales"], config["count"]) == ("vdsr", [2, 3, 4], 96)


def test_sr_prepare_downscale_adds_shrunk_copies(tmp_path, capsys):
    folder = _folder(tmp_path, n=1, h=90, w=90)
    out = tmp_path / "d.h5"
    args = ["vdsr", "--images", str(folder), "--downscale", "1.0", "0.5", "-o", str(out)]
    assert sr_prepare.main(args) == 0
    # 1.0: 4 patches at each scale; 0.5 -> 45x45 -> 44/45/44 after modcrop: 1 at each scale
    assert "15 patch pairs" in capsys.readouterr().out
    y = protocol.y_plane(np.asarray(Image.open(folder / "im0.png")))
    half = data.rescale_images(y, (0.5,))[0]
    assert half.shape == (45, 45) and half.dtype == np.uint8
    np.testing.assert_array_equal(half, np.clip(np.rint(imresize(y, 0.5)), 0, 255))
    with h5py.File(out) as h5:
        assert list(h5.attrs["downscale"]) == [1.0, 0.5]
        labels, scales = h5["label"][...], h5["scale"][...]
    # the shrunk copy follows the full-size patches of its image: x2 first (0.5 copy: index 12)
    assert scales[12] == 2
    np.testing.assert_array_equal(labels[12], protocol.degrade(half, 2).hr[:41, :41])
    assert data.rescale_images(y, (1.0,))[0] is y
    with pytest.raises(ValueError, match="downscale"):
        data.rescale_images(y, (1.5,))
    tiny = ["vdsr", "--images", str(folder), "--downscale", "1", "0.01", "-o", str(out)]
    out.unlink()
    assert sr_prepare.main(tiny) == 0  # a 1x1 copy holds no patch and is skipped
    assert "12 patch pairs" in capsys.readouterr().out
    bad = ["vdsr", "--images", str(folder), "--downscale", "0", "-o", str(tmp_path / "e.h5")]
    assert sr_prepare.main(bad) == 1
    assert "--downscale" in capsys.readouterr().err
    assert not (tmp_path / "e.h5").exists()


def test_sr_prepare_errors(tmp_path, capsys):
    assert sr_prepare.main(["srcnn", "--images", str(tmp_path / "nope"), "-o", "x.h5"]) == 1
    assert "image folder not found" in capsys.readouterr().err
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.png").write_bytes(b"not a png")
    assert sr_prepare.main(["srcnn", "--images", str(tmp_path / "bad"), "-o", "x.h5"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "x.png" in err[0]
    assert not (tmp_path / "x.h5").exists()


def test_training_planes_add_shrunk_copies_for_on_the_fly(tmp_path):
    folder = _folder(tmp_path, n=2, h=90, w=90)
    plain = training_planes([str(folder)])
    assert [p.shape for p in plain] == [(90, 90)] * 2
    planes = training_planes([str(folder)], (1.0, 0.7, 0.5))
    assert [p.shape for p in planes] == [(90, 90), (63, 63), (45, 45)] * 2
    np.testing.assert_array_equal(planes[3], plain[1])
    np.testing.assert_array_equal(planes[5], data.rescale_images(plain[1], (0.5,))[0])
    # x2 crops need 41 + 2 * 5 * 2 = 61 px: the 45x45 copies are left out, the 63x63 ones used
    source = OnTheFly(planes, "vdsr", (2,), 41, 2, 1)
    assert source._shapes.numpy().tolist() == [[90, 90], [63, 63]] * 2
    with pytest.raises(ValueError, match="distinct"):
        training_planes([str(folder)], (1.0, 1.0))


def test_on_the_fly_crops_equal_the_whole_image_degradation():
    y = _smooth(120, 130)
    source = OnTheFly([y], "vdsr", (3,), 41, 2, 1, augment=False)
    (bicubic,), label = next(source.batches(0, 0))
    d = protocol.degrade(y, 3)
    for b, lab in zip(np.rint(bicubic[..., 0] * 255), np.rint(label[..., 0] * 255), strict=True):
        hits = [
            (r, c)
            for r in range(0, d.hr.shape[0] - 40, 3)
            for c in range(0, d.hr.shape[1] - 40, 3)
            if np.array_equal(d.hr[r : r + 41, c : c + 41], lab)
        ]
        assert len(hits) == 1
        r, c = hits[0]
        np.testing.assert_array_equal(d.bicubic[r : r + 41, c : c + 41], b)
    again = next(OnTheFly([y], "vdsr", (3,), 41, 2, 1, augment=False).batches(0, 0))
    np.testing.assert_array_equal(again[1], label)  # deterministic
