"""The deepdream command line (deepdream.cli, scripts/deepdream.py) end to end on tiny images
with random weights (ImageNet weights cannot be downloaded here), and its handling of bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import imaging
from deepdream import cli as script

REPO = Path(__file__).resolve().parents[1]


def write_photo(path: Path, height: int, width: int) -> Path:
    """A smooth, photo-like RGB image (gradients plus a few blobs)."""
    y, x = np.mgrid[0:height, 0:width] / max(height, width)
    rgb = np.stack([x, y, 0.5 + 0.4 * np.sin(9 * x) * np.cos(7 * y)], axis=-1)
    Image.fromarray((np.clip(rgb, 0, 1) * 255).astype(np.uint8)).save(path)
    return path


@pytest.fixture(scope="module")
def photo(tmp_path_factory) -> Path:
    return write_photo(tmp_path_factory.mktemp("in") / "photo.png", 150, 160)


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    return write_photo(tmp_path_factory.mktemp("in") / "small.png", 96, 104)


def run(argv, capsys) -> tuple[int, list[str]]:
    """Run the script in-process; return its exit code and stderr lines other than the loud
    random-weights warning and the progress bar."""
    try:
        code = script.main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("!!")]
    return code, [
        ln for ln in lines if "step/s" not in ln and "s/step" not in ln and "%|" not in ln
    ]


def test_help_names_every_option_and_the_recipe(capsys):
    with pytest.raises(SystemExit) as exc:
        script.main(["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for flag in (
        "--model", "--layers", "--channel", "--octaves", "--octave-scale", "--steps",
        "--step-size", "--jitter", "--tile-size", "--guide", "--frames", "--zoom", "--rotate",
        "--seed", "--precision", "--weights",
    ):  # fmt: skip
        assert flag in text
    assert "Keras example" in text and "mixed4:1.0 mixed5:1.5 mixed6:2.0 mixed7:2.5" in text


def test_default_recipe_end_to_end(photo, tmp_path, capsys):
    out = tmp_path / "dream.png"
    code, lines = run([photo, out, "--weights", "random", "--steps", "2", "--seed", "1"], capsys)
    assert code == 0, lines
    result = imaging.load_image(out)
    source = imaging.load_image(photo)
    assert result.shape == source.shape
    # 3 octaves x 2 steps of mean size 0.005 change it by 0.016 on average (measured); an undreamed
    # image would come back exactly (the 8-bit levels round-trip), 1e-3 is a quarter of a level
    assert np.abs(result - source).mean() > 1e-3
    config = json.loads((tmp_path / "dream.config.json").read_text())
    assert config["octaves"] == 3 and config["octave_scale"] == 1.4 and config["seed"] == 1
    assert [t["layer"] for t in config["terms"]] == ["mixed4", "mixed5", "mixed6", "mixed7"]
    assert config["weights"] == "random" and config["final_loss"] > 0
    assert sorted(os.listdir(tmp_path)) == ["dream.config.json", "dream.png"]  # no temp files left


def test_help_states_each_recipe_and_its_values(capsys):
    with pytest.raises(SystemExit):
        script.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    for phrase in (
        "--recipe {default,keras,tutorial}",
        "keras-io examples/generative/deep_dream.py",
        "the TensorFlow DeepDream tutorial",
        "but NOT the Keras example's algorithm",
        "(recipe default: 0; keras: 2; tutorial: 0)",  # --loss-border
        "(recipe default: None; keras: 15.0; tutorial: None)",  # --max-loss
        "0 = no random shift at all",
    ):
        assert phrase in text, phrase


def test_keras_recipe_with_overrides_end_to_end(small, tmp_path, capsys):
    """The recipe's settings reach the run; explicit flags override them; the config says so."""
    out = tmp_path / "dream.png"
    argv = [small, out, "--weights", "random", "--recipe", "keras", "--octaves", "1"]
    code, lines = run(argv + ["--steps", "2", "--max-loss", "none", "--seed", "3"], capsys)
    assert code == 0, lines
    assert imaging.load_image(out).shape == (96, 104, 3)
    config = json.loads((tmp_path / "dream.config.json").read_text())
    assert config["recipe"] == "keras" and config["overrides"] == ["max_loss", "octaves", "steps"]
    assert config["max_loss"] is None and config["steps"] == 2 and config["octaves"] == 1
    expected = {"loss_border": 2, "clip": False, "resize": "bilinear", "detail": "after"}
    expected |= {"quantize": "keras", "tile_size": 0, "jitter": 0, "grad_epsilon": 2e-6}
    assert {key: config[key] for key in expected} == expected
    assert [t["layer"] for t in config["terms"]] == ["mixed4", "mixed5", "mixed6", "mixed7"]


def test_tutorial_recipe_dreams_above_the_input_size(small, tmp_path, capsys):
    """Octaves 1.3 and 1.69 times the input (the tutorial's finest two), resized back."""
    out = tmp_path / "dream.png"
    argv = [small, out, "--weights", "random", "--recipe", "tutorial", "--octaves", "2"]
    code, lines = run(argv + ["--steps", "1", "--seed", "3"], capsys)
    assert code == 0, lines
    assert imaging.load_image(out).shape == (96, 104, 3)
    config = json.loads((tmp_path / "dream.config.json").read_text())
    assert config["recipe"] == "tutorial" and config["finest_octave"] == 2
    assert config["objective"] == "mean" and config["tile_layout"] == "tutorial"
    assert [t["layer"] for t in config["terms"]] == ["mixed3", "mixed5"]


def test_zoom_animation_with_channel(small, tmp_path, capsys):
    out = tmp_path / "zoom.gif"
    argv = [small, out, "--weights", "random", "--channel", "mixed3:5", "--octaves", "1"]
    argv += ["--steps", "1", "--frames", "3", "--zoom", "1.1", "--rotate", "2", "--seed", "0"]
    code, lines = run(argv, capsys)
    assert code == 0, lines
    frames = sorted(os.listdir(tmp_path / "zoom_frames"))
    assert frames == ["frame_0000.png", "frame_0001.png", "frame_0002.png"]
    with Image.open(out) as gif:
        assert gif.format == "GIF" and gif.n_frames == 3 and gif.size == (104, 96)
    config = json.loads((tmp_path / "zoom.config.json").read_text())
    assert config["terms"] == [{"layer": "mixed3", "weight": 1.0, "channel": 5}]
    assert config["frames"] == 3 and config["zoom"] == 1.1


def test_guided_dream(small, tmp_path, capsys):
    guide = write_photo(tmp_path / "guide.png", 90, 120)
    out = tmp_path / "guided.jpg"
    argv = [small, out, "--weights", "random", "--guide", guide, "--layers", "mixed2"]
    code, lines = run(argv + ["--octaves", "1", "--steps", "2"], capsys)
    assert code == 0, lines
    assert imaging.load_image(out).shape == (96, 104, 3)


def test_vgg19_bfloat16_and_seeded_repeat(small, tmp_path, capsys):
    outputs = []
    for name in ("a.png", "b.png"):
        argv = [small, tmp_path / name, "--model", "vgg19", "--weights", "random"]
        argv += ["--layers", "relu2_1:1", "relu3_1:0.5", "--precision", "mixed_bfloat16"]
        code, lines = run(argv + ["--octaves", "2", "--steps", "2", "--seed", "7"], capsys)
        assert code == 0, lines
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]
    terms = json.loads((tmp_path / "b.config.json").read_text())["terms"]
    assert [t["layer"] for t in terms] == ["block2_conv1", "block3_conv1"]


def test_local_weights_file(small, tmp_path, capsys):
    """A local Keras weights file is loaded (no random-weights warning)."""
    import keras

    path = tmp_path / "inception_v3_notop.weights.h5"
    keras.applications.InceptionV3(
        weights=None, include_top=False, input_shape=(None, None, 3)
    ).save_weights(path)
    out = tmp_path / "dream.png"
    argv = [small, out, "--weights", path, "--layers", "mixed1", "--octaves", "1", "--steps", "1"]
    try:
        code = script.main([str(a) for a in argv])
    finally:
        err = capsys.readouterr().err
    assert code == 0 and out.is_file()
    assert "RANDOM" not in err


@pytest.mark.parametrize(
    "extra,message",
    [
        (["--octave-scale", "0.5"], "--octave-scale must be in (1, 4]"),
        (["--octaves", "0"], "--octaves"),
        (["--step-size", "-1"], "--step-size"),
        (["--tile-size", "10"], "--tile-size"),
        (["--frames", "3"], "OUTPUT must end in .gif"),
        (["--layers", "mixed4:abc"], "weight must be a number"),
        (["--channel", "mixed4"], "expected LAYER:INDEX"),
        (["--channel", "mixed4:1", "--guide", "g.png"], "cannot be combined"),
        (["--tile-size", "32"], "--tile-size must be 0 (whole image) or >= 64"),
        (["--loss-border", "-1"], "--loss-border must be >= 0"),
        (["--max-loss", "lots"], "argument --max-loss: expected a number or 'none'"),
        (["--recipe", "keras", "--steps", "0"], "--steps must be >= 1"),
        (["--recipe", "tutorial", "--guide", "g.png"], "cannot be combined with --objective"),
    ],
)
def test_bad_flags_one_line_exit_2(small, tmp_path, capsys, extra, message):
    out = tmp_path / "out.png"
    code, lines = run([small, out, "--weights", "random", *extra], capsys)
    assert code == 2
    assert len(lines) == 1 and lines[0].startswith("deepdream: error:") and message in lines[0]
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "case,message",
    [
        ("corrupt", "corrupt.png"),
        ("missing", "missing.png"),
        ("unknown_layer", "unknown InceptionV3 layer 'mixed99'"),
        ("channel_range", "channel 5000 is out of range for layer mixed2 (288 channels"),
        ("too_small", "too small for 3 octave(s)"),
        ("weights_file", "weights file not found"),
    ],
)
def test_bad_input_one_line_exit_1_nothing_written(small, tmp_path, capsys, case, message):
    corrupt = tmp_path / "in" / "corrupt.png"
    corrupt.parent.mkdir()
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n this is not really a png")
    args = {
        "corrupt": [corrupt],
        "missing": [tmp_path / "in" / "missing.png"],
        "unknown_layer": [small, "--layers", "mixed99"],
        "channel_range": [small, "--channel", "mixed2:5000", "--octaves", "1"],
        "too_small": [small],
        "weights_file": [small, "--weights", tmp_path / "nope.h5"],
    }[case]
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    weights = [] if case == "weights_file" else ["--weights", "random"]
    code, lines = run([args[0], out_dir / "dream.png", *args[1:], *weights], capsys)
    assert code == 1
    assert len(lines) == 1, lines
    assert lines[0].startswith("deepdream: error:") and message in lines[0], lines
    assert os.listdir(out_dir) == []


def test_runs_as_a_file_and_errors_are_one_line(small, tmp_path):
    """``python scripts/deepdream.py`` (scripts/ must not shadow the deepdream package)."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    cmd = [sys.executable, str(REPO / "scripts" / "deepdream.py")]
    ok = subprocess.run(
        [*cmd, str(small), str(tmp_path / "d.png"), "--model", "vgg19", "--weights", "random"]
        + ["--layers", "relu1_2", "--octaves", "1", "--steps", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "d.png").is_file()
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    fail = subprocess.run(
        [*cmd, str(bad), str(tmp_path / "e.png")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert fail.returncode == 1
    assert fail.stderr.strip().count("\n") == 0 and "bad.jpg" in fail.stderr
    assert not (tmp_path / "e.png").exists()


def test_awkward_inputs_grayscale16_and_rgba(tmp_path, capsys):
    """16-bit grayscale and RGBA files dream as RGB (imaging.load_image does the conversion)."""
    gray = (np.linspace(0, 65535, 80 * 90).reshape(80, 90)).astype(np.uint16)
    Image.fromarray(gray).save(tmp_path / "gray16.png")
    rgba = np.zeros((70, 64, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 200, np.linspace(0, 255, 64).astype(np.uint8)
    Image.fromarray(rgba, "RGBA").save(tmp_path / "rgba.png")
    for name in ("gray16.png", "rgba.png"):
        out = tmp_path / f"dream_{name}"
        argv = [tmp_path / name, out, "--model", "vgg19", "--weights", "random"]
        code, lines = run(argv + ["--layers", "relu1_2", "--octaves", "1", "--steps", "1"], capsys)
        assert code == 0, lines
        with Image.open(out) as result:
            assert result.mode == "RGB"
            assert result.size == Image.open(tmp_path / name).size
