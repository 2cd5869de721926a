"""sr_export.py: the SavedModel and TFLite file reproduce ``sr_upscale.py --no-tile``.

Every model (srcnn, vdsr, vdsr_sp) at x2, x3 and x4 is exported once with the shipped weights
(module fixture). The exports are run in a subprocess that imports TensorFlow, NumPy and
Pillow only -- never this project -- on a crop of a Set5 image and on a tiny image. The crop
(56x64, not the full 256x256 butterfly) keeps VDSR at x4 to a few seconds per path; the tiny
5x7 image takes the other branch of the TensorFlow bicubic (its gather path for sides under 8).
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import seeds
import tensorflow as tf
from PIL import Image

from common.errors import UserError
from imaging import imresize
from sr import export, models
from sr.cli import export as sr_export
from sr.cli import upscale as sr_upscale
from sr.upscalers import shipped_weights
from sr.weights import metadata, save_weights

MODELS = ("srcnn", "vdsr", "vdsr_sp")
SCALES = (2, 3, 4)
CASES = [(m, s) for m in MODELS for s in SCALES]
#: The inputs: a 56x64 crop of Set5's butterfly (wings and edges) and a 5x7 corner of it.
IMAGES = {"crop": (slice(100, 156), slice(96, 160)), "tiny": (slice(120, 125), slice(120, 127))}

#: Run in a fresh interpreter: load every export with TensorFlow alone, upscale both images,
#: save the results, report which modules of this project were imported, and (last) whether
#: the project could have been imported at all.
SERVE = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import tensorflow as tf
    from PIL import Image

    jobs = json.loads(sys.argv[1])
    results = {}
    for name, job in jobs.items():
        image = np.asarray(Image.open(job["image"]))
        loaded = tf.saved_model.load(job["dir"])
        serve = loaded.signatures["serving_default"]
        results[name + "/savedmodel"] = serve(image=tf.constant(image))["upscaled"].numpy()
        interpreter = tf.lite.Interpreter(model_path=job["dir"] + "/model.tflite")
        runner = interpreter.get_signature_runner("serving_default")
        results[name + "/tflite"] = runner(image=image)["upscaled"]
    np.savez(sys.argv[2], **results)
    ours = ("sr", "imaging", "scripts", "style_transfer", "deepdream")
    seen = sorted(m for m in sys.modules if m.split(".")[0] in ours)
    try:
        import sr
        importable = True
    except ImportError:
        importable = False
    print(json.dumps([importable, seen]))
    """
)


@pytest.fixture(scope="module")
def images(data_dir, tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("export_inputs")
    rgb = np.asarray(Image.open(data_dir / "Set5" / "butterfly.png").convert("RGB"))
    paths = {}
    for name, (rows, cols) in IMAGES.items():
        paths[name] = root / f"{name}.png"
        Image.fromarray(rgb[rows, cols]).save(paths[name])
    return paths


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[tuple[str, int], Path]:
    """Each model at each scale exported by the script with the shipped weights."""
    root = tmp_path_factory.mktemp("exports")
    dirs = {}
    for model, scale in CASES:
        dirs[model, scale] = root / f"{model}_x{scale}"
        args = ["--model", model, "--scale", str(scale), str(dirs[model, scale])]
        assert sr_export.main(args) == 0
    return dirs


@pytest.fixture(scope="module")
def served(exports, images, tmp_path_factory) -> tuple[dict[str, np.ndarray], list[str]]:
    """Outputs of the SavedModels and TFLite files, and the project modules the run imported."""
    root = tmp_path_factory.mktemp("served")
    jobs = {
        f"{model}/{scale}/{name}": {"dir": str(path), "image": str(images[name])}
        for (model, scale), path in exports.items()
        for name in IMAGES
    }
    out = root / "served.npz"
    # -S skips site-packages' .pth files (where the editable install of this project lives);
    # the site-packages directories come back through PYTHONPATH: third-party packages only.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(site.getsitepackages())}
    run = subprocess.run(
        [sys.executable, "-S", "-c", SERVE, json.dumps(jobs), str(out)],
        cwd=root,  # not the repository
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    with np.load(out) as data:
        return dict(data), json.loads(run.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def expected(images, tmp_path_factory) -> dict[str, np.ndarray]:
    """``sr_upscale.py --no-tile`` with the shipped weights, for every case and image."""
    root = tmp_path_factory.mktemp("expected")
    results = {}
    for model, scale in CASES:
        for name, src in images.items():
            dst = root / f"{model}_{scale}_{name}.png"
            args = [str(src), str(dst), "--scale", str(scale), "--model", model, "--no-tile"]
            assert sr_upscale.main(args) == 0
            results[f"{model}/{scale}/{name}"] = np.asarray(Image.open(dst))
    return results


def test_served_without_importing_the_project(served):
    _, (importable, modules) = served
    assert modules == []  # nothing of this project was imported while serving
    assert not importable  # and it could not have been


@pytest.mark.parametrize("model, scale", CASES)
@pytest.mark.parametrize("name", sorted(IMAGES))
def test_savedmodel_and_tflite_reproduce_sr_upscale(served, expected, images, model, scale, name):
    outputs, _ = served
    want = expected[f"{model}/{scale}/{name}"].astype(int)
    rgb = np.asarray(Image.open(images[name])).astype(float)
    assert want.shape == (rgb.shape[0] * scale, rgb.shape[1] * scale, 3)
    # one rounding to uint8 of float32 values that differ from sr_upscale's by ~1e-4 of a level
    # (float32 bicubic, another graph): one level where a value sits that close to a half
    # (measured: 1, on <= 1e-4 of the values, for both); 2 for TFLite, whose XNNPack kernels
    # change with the CPU's instruction set
    for path, tolerance in (("savedmodel", 1), ("tflite", 2)):
        got = outputs[f"{model}/{scale}/{name}/{path}"]
        assert got.dtype == np.uint8 and got.shape == want.shape, path
        assert np.abs(got.astype(int) - want).max() <= tolerance, path
    if name == "crop":  # the network is in the graph: far from plain bicubic
        bicubic = np.clip(np.rint(imresize(rgb, float(scale))), 0, 255)
        assert np.abs(want - bicubic).max() > 20


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("shape", [(4, 4), (4, 9), (7, 5), (8, 8), (13, 10)])
def test_tflite_bicubic_equals_matlab_imresize(scale, shape):
    """The TFLite graph's bicubic (integer scales, sides >= 4) against the NumPy imresize."""
    image = seeds.rng(sum(shape) + scale).uniform(0, 255, (*shape, 3))
    got = export.bicubic_up_lite(tf.constant(image[None], tf.float32), scale).numpy()[0]
    # float32 against float64: the input's rounding (255 u = 1.5e-5) and two 4-tap passes whose
    # weights sum to 1 in absolute value at most 1.2 (the cubic's negative lobes): 4 roundings of
    # values up to 1.2 * 255 each, 1.5e-4 in all; 2e-3 leaves a factor 10
    np.testing.assert_allclose(got, imresize(image, float(scale)), atol=2e-3)


def test_savedmodel_refuses_images_under_4_pixels(exports):
    loaded = tf.saved_model.load(str(exports["vdsr", 2]))
    serve = loaded.signatures["serving_default"]
    assert serve(image=tf.zeros((4, 6, 3), tf.uint8))["upscaled"].shape == (8, 12, 3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="at least 4 pixels"):
        serve(image=tf.zeros((3, 6, 3), tf.uint8))


def test_export_json_records_the_weights(exports):
    info = json.loads((exports["vdsr_sp", 3] / export.INFO_NAME).read_text())
    assert info["model"] == "vdsr_sp" and info["scale"] == 3
    assert info["weights"].endswith("vdsr_sp_x3.weights.h5")
    assert info["signature"]["output"]["shape"] == ["3*H", "3*W", 3]


def _one_error_line(capsys, code: int, needle: str) -> None:
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0
    assert len(err) == 1 and needle in err[0], err


def _main(argv: list[str]) -> int:
    try:
        return sr_export.main(argv)
    except SystemExit as exit_:  # argparse errors
        return int(exit_.code)


def test_bad_input(tmp_path, capsys):
    out = tmp_path / "out"
    code = _main(["--model", "edsr", "--scale", "2", str(out)])
    _one_error_line(capsys, code, "invalid choice: 'edsr'")
    code = _main(["--model", "vdsr", "--scale", "5", str(out)])
    _one_error_line(capsys, code, "invalid choice: 5")
    code = _main(["--model", "vdsr", "--scale", "two", str(out)])
    _one_error_line(capsys, code, "invalid int value")
    code = _main(["--scale", "2", str(tmp_path / "missing" / "out")])
    _one_error_line(capsys, code, "does not exist")
    code = _main(["--scale", "2", "--weights", str(tmp_path / "none.weights.h5"), str(out)])
    _one_error_line(capsys, code, "weights file not found")
    weights = str(shipped_weights("vdsr", 2))
    code = _main(["--model", "srcnn", "--scale", "2", "--weights", weights, str(out)])
    _one_error_line(capsys, code, "holds vdsr weights, not srcnn")
    assert list(tmp_path.iterdir()) == []  # nothing written, no temporary directory left


def test_existing_out_dir_is_refused_unless_overwrite(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    code = _main(["--scale", "2", str(out)])
    _one_error_line(capsys, code, "exists; choose another OUT_DIR or pass --overwrite")
    code = _main(["--scale", "2", "--overwrite", str(out)])
    _one_error_line(capsys, code, "is not an earlier export")
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_overwrite_replaces_an_earlier_export_atomically(exports, tmp_path, monkeypatch, capsys):
    out = tmp_path / "srcnn_x2"
    shutil.copytree(exports["srcnn", 2], out)
    (out / "marker").write_text("the earlier export")

    def broken(*args, **kwargs):
        raise UserError("TFLite conversion failed: simulated")

    monkeypatch.setattr(export, "to_tflite", broken)
    code = _main(["--model", "srcnn", "--scale", "2", "--overwrite", str(out)])
    _one_error_line(capsys, code, "simulated")
    assert (out / "marker").is_file()  # the earlier export untouched
    assert [p.name for p in tmp_path.iterdir()] == ["srcnn_x2"]  # no temporary directory left
    monkeypatch.undo()
    assert _main(["--model", "srcnn", "--scale", "2", "--overwrite", str(out)]) == 0
    assert export.is_export_dir(out) and not (out / "marker").exists()
    assert (out / export.TFLITE_NAME).stat().st_size > 30_000  # the 8,129 weights are in it
    assert [p.name for p in tmp_path.iterdir()] == ["srcnn_x2"]


@pytest.mark.filterwarnings(r"ignore:\s*Warning. tf.lite.Interpreter is deprecated:UserWarning")
def test_weights_file_vdsr_sp_without_residual(images, tmp_path):
    """``--weights``: a 4-layer VDSR-sp x3 without the global residual (one input, the LR Y)."""
    net = models.vdsr_sp(3, depth=4, residual=False)
    rng = seeds.rng(5)
    for w in net.weights:
        w.assign(rng.normal(0, 0.05, w.shape).astype(np.float32))
    weights = tmp_path / "sp.weights.h5"
    meta = metadata("vdsr_sp", [3], depth=4, vdsr_sp_residual=False)
    save_weights(net, weights, meta)
    out = tmp_path / "export"
    common = ["--model", "vdsr_sp", "--scale", "3", "--weights", str(weights)]
    assert sr_export.main([*common, str(out)]) == 0
    src, want = images["crop"], tmp_path / "want.png"
    assert sr_upscale.main([str(src), str(want), *common[:4], "--no-tile", *common[4:]]) == 0
    want = np.asarray(Image.open(want)).astype(int)
    image = np.asarray(Image.open(src))
    serve = tf.saved_model.load(str(out)).signatures["serving_default"]
    got = serve(image=tf.constant(image))["upscaled"].numpy()
    assert np.abs(got.astype(int) - want).max() <= 1  # one rounding, as in the test above
    runner = tf.lite.Interpreter(model_path=str(out / "model.tflite")).get_signature_runner()
    assert np.abs(runner(image=image)["upscaled"].astype(int) - want).max() <= 2
