"""sr_upscale.py folder jobs: resume by skipping, failures reported and counted, one model."""

import json
import os
import re

import numpy as np
import pytest
import seeds
from PIL import Image

import sr.weights
from sr import models, upscalers
from sr.cli import upscale as sr_upscale
from sr.weights import metadata, save_weights


def _images(folder, names, size=(18, 21)):
    folder.mkdir(exist_ok=True)
    rng = seeds.rng(7)
    for name in names:
        Image.fromarray(rng.integers(0, 256, (*size, 3), dtype=np.uint8)).save(folder / name)
    return folder


def _summary(out):
    """(written, skipped, failed) from the closing line."""
    match = re.fullmatch(r"(\d+) written, (\d+) skipped, (\d+) failed -> .*", out.splitlines()[-1])
    assert match, out
    return tuple(int(n) for n in match.groups())


def test_set14_folder_with_a_corrupt_file_resumes(data_dir, tmp_path, capsys):
    """The done-when of the folder job: 14 written, the corrupt one reported, then all skipped."""
    photos = tmp_path / "photos"
    photos.mkdir()
    set14 = sorted((data_dir / "Set14").iterdir())
    assert len(set14) == 14
    for path in set14:
        os.symlink(path, photos / path.name)
    (photos / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    out = tmp_path / "out"
    argv = [str(photos), str(out), "--scale", "2", "--model", "bicubic"]

    assert sr_upscale.main(argv) == 1
    captured = capsys.readouterr()
    assert _summary(captured.out) == (14, 0, 1)
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and "corrupt.png" in err[0], err
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(f"{p.stem}.png" for p in set14)
    stamps = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    baboon = Image.open(data_dir / "Set14" / "baboon.png")
    assert Image.open(out / "baboon.png").size == (baboon.width * 2, baboon.height * 2)

    assert sr_upscale.main(argv) == 1
    captured = capsys.readouterr()
    assert _summary(captured.out) == (0, 14, 1)
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == stamps


def test_overwrite_and_resume_after_a_missing_output(tmp_path, capsys):
    photos = _images(tmp_path / "in", ["a.png", "b.jpg", "c.bmp"])
    (photos / "notes.txt").write_text("not an image, ignored by extension")
    out = tmp_path / "out"
    argv = [str(photos), str(out), "--scale", "3", "--model", "bicubic"]
    assert sr_upscale.main(argv) == 0
    first = capsys.readouterr().out
    assert _summary(first) == (3, 0, 0) and "1 non-image file(s) ignored" in first
    assert sorted(p.name for p in out.iterdir()) == ["a.png", "b.png", "c.png"]
    (out / "b.png").unlink()  # as if the job had been interrupted before b
    assert sr_upscale.main(argv) == 0
    assert _summary(capsys.readouterr().out) == (1, 2, 0)
    assert sr_upscale.main([*argv, "--overwrite"]) == 0
    assert _summary(capsys.readouterr().out) == (3, 0, 0)


def test_folder_output_equals_the_one_image_command(tmp_path, capsys):
    """Several explicit inputs, --format jpg, and the same pixels as the one-image form."""
    photos = _images(tmp_path / "in", ["a.png", "b.png"])
    out = tmp_path / "out"
    common = ["--scale", "2", "--model", "bicubic", "--tile", "16"]
    argv = [str(photos / "a.png"), str(photos / "b.png"), str(out), *common]
    assert sr_upscale.main(argv) == 0
    assert sr_upscale.main([*argv[:2], str(tmp_path / "jpg"), *common, "--format", "jpg"]) == 0
    assert sorted(p.name for p in (tmp_path / "jpg").iterdir()) == ["a.jpg", "b.jpg"]
    assert sr_upscale.main([str(photos / "b.png"), str(tmp_path / "one.png"), *common]) == 0
    one = np.asarray(Image.open(tmp_path / "one.png"))
    np.testing.assert_array_equal(np.asarray(Image.open(out / "b.png")), one)
    single = capsys.readouterr().out.strip().splitlines()[-1]
    assert single.startswith("b.png 21x18 -> ") and single.endswith("42x36")
    # an existing folder as the output of one image is a folder job too
    assert sr_upscale.main([str(photos / "a.png"), str(out), *common, "--overwrite"]) == 0
    assert _summary(capsys.readouterr().out) == (1, 0, 0)


def test_the_network_is_built_once(tmp_path, monkeypatch, capsys):
    net = models.srcnn()
    weights = tmp_path / "s.weights.h5"
    save_weights(net, weights, metadata("srcnn", [3], srcnn_variant="9-1-5"))
    builds = []
    real = sr.weights.load_model

    def counting(*args, **kwargs):
        builds.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(sr.weights, "load_model", counting)
    monkeypatch.setattr(upscalers, "_CACHE", {})  # no model cached by an earlier test
    asked = []
    real_get = sr_upscale.get_upscaler
    monkeypatch.setattr(
        sr_upscale, "get_upscaler", lambda *a, **k: asked.append(a) or real_get(*a, **k)
    )
    sizes = [(14, 17), (20, 16), (23, 23), (16, 30)]  # different sizes: no rebuild either
    photos = tmp_path / "in"
    for i, size in enumerate(sizes):
        _images(photos, [f"p{i}.png"], size)
    argv = [str(photos), str(tmp_path / "out"), "--scale", "3", "--model", "srcnn"]
    assert sr_upscale.main([*argv, "--weights", str(weights), "--tile", "48"]) == 0
    assert _summary(capsys.readouterr().out) == (4, 0, 0)
    assert len(builds) == 1 and len(asked) == 1
    for i, (h, w) in enumerate(sizes):
        assert Image.open(tmp_path / "out" / f"p{i}.png").size == (3 * w, 3 * h)


@pytest.mark.parametrize(
    "case, needle",
    [
        ("same_stem", "would both be written to"),
        ("output_is_file", "must be a folder"),
        ("missing", "no such file or folder"),
        ("in_place", "would overwrite the input"),
        ("empty", "no image files"),
    ],
)
def test_bad_folder_jobs_fail_before_any_work(tmp_path, capsys, case, needle):
    photos = _images(tmp_path / "in", ["a.png", "b.png"])
    out = tmp_path / "out"
    inputs = [str(photos)]
    if case == "same_stem":
        _images(photos, ["a.jpg"])
    elif case == "output_is_file":
        out.write_text("a file")
    elif case == "missing":
        inputs.append(str(tmp_path / "nope.png"))
    elif case == "in_place":
        out = photos
    elif case == "empty":
        (tmp_path / "in2").mkdir()
        inputs = [str(tmp_path / "in2")]
    before = sorted(os.listdir(tmp_path))
    code = sr_upscale.main([*inputs, str(out), "--scale", "2", "--model", "bicubic"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert len(err) == 1 and needle in err[0], err
    assert sorted(os.listdir(tmp_path)) == before


def test_folder_job_writes_its_config_beside_the_folder(tmp_path, capsys):
    """One naming rule: the folder OUT holds only images; the config is OUT.config.json."""
    photos = _images(tmp_path / "in", ["a.png", "b.png"])
    out = tmp_path / "out"
    assert sr_upscale.main([str(photos), str(out), "--scale", "2", "--model", "bicubic"]) == 0
    saved = json.loads((tmp_path / "out.config.json").read_text())
    assert saved["scale"] == 2 and saved["model"] == "bicubic" and saved["written"] == 2
    assert sorted(p.name for p in out.iterdir()) == ["a.png", "b.png"]
