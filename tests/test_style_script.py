"""neural_style.py (style_transfer.cli) end to end on tiny images, random or file VGG19 weights."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from seeds import rng, seed, seed_keras

import imaging
from style_transfer import cli as neural_style
from style_transfer import vgg

ROOT = Path(__file__).resolve().parents[1]
#: Random VGG19 weights, drawn from --seed (style_transfer.cli_run seeds Python, NumPy and
#: TensorFlow before it builds the network); a test's own later --seed overrides this one.
RANDOM = ["--network", "random", "--seed", str(seed(0))]

NEURAL_STYLE_OPTIONS = [
    "--content", "--styles", "--output", "--iterations", "--print-iterations",
    "--checkpoint-output", "--checkpoint-iterations", "--progress-write", "--progress-plot",
    "--width", "--style-scales", "--network", "--content-weight-blend", "--content-weight",
    "--style-weight", "--style-layer-weight-exp", "--style-blend-weights", "--tv-weight",
    "--learning-rate", "--beta1", "--beta2", "--eps", "--initial", "--initial-noiseblend",
    "--preserve-colors", "--pooling", "--overwrite",
]  # fmt: skip
OUR_OPTIONS = [
    "--optimizer", "--init", "--seed", "--sizes", "--stage-iterations", "--color-control",
    "--content-layers", "--style-layers", "--precision", "--lbfgs-memory", "--compat",
    "--pool-padding", "--resize",
]  # fmt: skip


def _gradient(h: int, w: int, seed: int) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    image = np.stack([x / w, y / h, 0.5 + 0.4 * np.sin(x / 3.0)], -1)
    return np.clip(0.1 + 0.8 * image + 0.05 * rng(seed).normal(size=image.shape), 0, 1)


@pytest.fixture
def images(tmp_path: Path) -> dict[str, str]:
    paths = {
        "content": tmp_path / "content.png",
        "style": tmp_path / "style.jpg",
        "style2": tmp_path / "style2.png",
    }
    imaging.save_image(paths["content"], _gradient(40, 48, 0))
    imaging.save_image(paths["style"], _gradient(36, 36, 1)[::-1])
    rgba = (np.dstack([_gradient(30, 40, 2), np.full((30, 40, 1), 0.8)]) * 255).astype(np.uint8)
    Image.fromarray(rgba, "RGBA").save(paths["style2"])  # alpha is composited by imaging
    return {k: str(v) for k, v in paths.items()}


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = neural_style.main([str(a) for a in argv])
    except SystemExit as exc:  # parser.error
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def _ycbcr(path: str) -> np.ndarray:
    return imaging.rgb_to_ycbcr(imaging.load_image(path).astype(np.float64))


def test_help_documents_every_option():
    text = neural_style.build_parser().format_help()
    for option in NEURAL_STYLE_OPTIONS + OUR_OPTIONS:
        assert option in text, option


def test_end_to_end_with_progress_checkpoints_and_coarse_to_fine(images, tmp_path, capsys):
    out = tmp_path / "out.png"
    code, stdout, err = _run(
        capsys, "--content", images["content"], "--styles", images["style"], images["style2"],
        "--style-blend-weights", "3", "1", "--style-scales", "1.0", "1.5", "--output", out,
        *RANDOM, "--sizes", "24", "40", "--stage-iterations", "3", "2", "--print-iterations",
        "2", "--checkpoint-output", tmp_path / "ck_%03d.png", "--checkpoint-iterations", "2",
        "--progress-write", "--progress-plot", "--seed", seed(3),
    )  # fmt: skip
    assert code == 0, err
    assert "RANDOM" in err  # the loud warning
    assert Image.open(out).size == (40, 33)
    assert sorted(p.name for p in tmp_path.glob("ck_*")) == ["ck_002.png", "ck_004.png"]
    assert Image.open(tmp_path / "ck_002.png").size == (24, 20)
    assert Image.open(tmp_path / "ck_004.png").size == (40, 33)
    assert "iteration 2/5 (24x20)" in stdout and "iteration 4/5 (40x33)" in stdout
    log = (tmp_path / "out.losses.tsv").read_text().splitlines()
    assert log[0].split("\t")[:4] == ["iteration", "width", "height", "content"]
    assert [row.split("\t")[0] for row in log[1:]] == ["1", "2", "3", "4", "5"]
    progress = np.loadtxt(tmp_path / "progress.txt")
    assert progress.shape == (5, 5)
    # the float32 total and its three weighted parts (all >= 0) are a few roundings apart,
    # <= 5 u = 3e-7, printed to 9 digits (5e-9); the content part is only ~5e-5 of the total
    np.testing.assert_allclose(progress[:, 4], progress[:, 1:4].sum(axis=1), rtol=1e-6)
    assert Image.open(tmp_path / "progress.png").size == (720, 480)
    config = json.loads((tmp_path / "out.config.json").read_text())
    assert config["seed"] == seed(3) and config["sizes"] == [24, 40]
    assert config["style_blend_weights"] == [3.0, 1.0] and config["iterations_run"] == 5
    assert config["output_shape"] == [33, 40, 3]
    assert not list(tmp_path.glob(".*tmp"))


def test_compat_an_runs_neural_styles_algorithm(images, tmp_path, capsys, monkeypatch):
    from style_transfer import transfer

    seen = {}
    for name in ("build_feature_model", "initial_image"):
        real = getattr(transfer, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            seen[_name] = kwargs
            return _real(*args, **kwargs)

        monkeypatch.setattr(transfer, name, spy)
    out = tmp_path / "an.png"
    code, _, err = _run(
        capsys, "--content", images["content"], "--styles", images["style"], "--output", out,
        *RANDOM, "--compat", "an", "--width", "37", "--iterations", "2", "--seed", seed(1),
        "--learning-rate", "30",
    )  # fmt: skip
    assert code == 0, err
    assert "note:" not in err  # --compat an runs Adam: nothing to warn about
    assert Image.open(out).size == (37, 30)  # floor(40 / 48 * 37) = 30 (round would give 31)
    config = json.loads((tmp_path / "an.config.json").read_text())
    assert config["optimizer"] == "adam" and config["learning_rate"] == 30.0
    assert config["resize"] == "pillow" and config["adam_clip"] is False
    args = config["arguments"]
    assert args["compat"] == "an" and args["pool_padding"] == "same"
    assert seen["build_feature_model"] == {"pool_padding": "same", "transpose_kernels": True}
    assert seen["initial_image"]["noise_sigma"] == pytest.approx(0.256 / 255)  # float64, one ulp
    assert seen["initial_image"]["resize"] == "pillow"


def test_default_run_keeps_our_defaults(images, tmp_path, capsys):
    out = tmp_path / "ours.png"
    code, _, err = _run(
        capsys, "--content", images["content"], "--styles", images["style"], "--output", out,
        *RANDOM, "--width", "37", "--iterations", "1",
    )  # fmt: skip
    assert code == 0, err
    assert Image.open(out).size == (37, 31)  # round(40 / 48 * 37)
    config = json.loads((tmp_path / "ours.config.json").read_text())
    assert config["optimizer"] == "lbfgs" and config["resize"] == "matlab" and config["adam_clip"]
    assert config["arguments"]["pool_padding"] == "valid"


@pytest.mark.parametrize(
    ("extra", "note"),
    [
        (["--learning-rate", "5"], "--learning-rate set Adam"),
        (["--beta1", "0.8", "--eps", "1e-6"], "--beta1, --eps set Adam"),
        (["--learning-rate", "5", "--optimizer", "adam"], None),
        (["--beta2", "0.99", "--optimizer", "lbfgs"], None),
        ([], None),
    ],
)
def test_adam_settings_without_optimizer_say_which_optimizer_runs(
    images, tmp_path, capsys, extra, note
):
    out = tmp_path / "o.png"
    base = ["--content", images["content"], "--styles", images["style"], "--output", out]
    code, _, err = _run(capsys, *base, *RANDOM, "--iterations", "1", *extra)
    assert code == 0, err
    notes = [line for line in err.splitlines() if "note:" in line]
    if note is None:
        assert notes == []
    else:
        assert len(notes) == 1 and note in notes[0], err
        assert notes[0].startswith("neural_style.py: note:") and "L-BFGS" in notes[0]
        assert "--optimizer adam" in notes[0]


@pytest.mark.parametrize(
    "conflict",
    [["--optimizer", "lbfgs"], ["--pool-padding", "valid"], ["--resize", "matlab"]],
)
def test_compat_an_rejects_conflicting_flags(images, tmp_path, capsys, conflict):
    out = tmp_path / "o.png"
    base = ["--content", images["content"], "--styles", images["style"], "--output", out]
    code, _, err = _run(capsys, *base, *RANDOM, "--compat", "an", *conflict)
    assert code == 2 and not out.exists()
    assert err.count("\n") == 1 and f"drop {' '.join(conflict)}" in err, err


def test_seed_makes_runs_repeatable(images, tmp_path, capsys):
    def run(name: str, n: int) -> np.ndarray:
        path = tmp_path / name
        args = ["--content", images["content"], "--styles", images["style"], "--output", path]
        code, _, err = _run(capsys, *args, *RANDOM, "--iterations", "3", "--seed", seed(n))
        assert code == 0, err
        return np.asarray(Image.open(path), np.int16)

    first, again, other = run("a.png", 11), run("b.png", 11), run("c.png", 12)
    # equal here; one 8-bit level in case TensorFlow (no op determinism asked for) reorders a
    # float32 sum and a pixel sits within that rounding of a level's half
    assert np.abs(first - again).max() <= 1
    # Another seed draws another network and starting noise. The peak difference after three
    # iterations is 9-12 levels depending on the draw (seeds 11-22), too close to a bound; the
    # mean over the 5760 values is 1.91-2.03 for the same seeds, and >80% of them differ.
    difference = np.abs(first - other)
    assert difference.mean() > 1.0 and np.mean(difference > 0) > 0.5


def test_preserve_colors_and_luminance_transfer(images, tmp_path, capsys):
    content = _ycbcr(images["content"])
    for flags, name in (
        (["--preserve-colors"], "preserve.png"),
        (["--color-control", "luminance"], "luminance.png"),
    ):
        out = tmp_path / name
        code, _, err = _run(
            capsys, "--content", images["content"], "--styles", images["style"],
            "--output", out, *RANDOM, "--iterations", "3", "--init", "style", *flags,
        )  # fmt: skip
        assert code == 0, err
        chroma_error = np.abs(_ycbcr(str(out))[..., 1:] - content[..., 1:])
        # the content's chroma comes back but for the 8-bit rounding of R, G, B (<= 0.44 of a
        # level in Cb or Cr; the median is 0 measured); without it the median is ~36 levels
        assert np.median(chroma_error) < 3 / 255, flags
    plain = tmp_path / "plain.png"
    code, _, err = _run(
        capsys, "--content", images["content"], "--styles", images["style"], "--output", plain,
        *RANDOM, "--iterations", "3", "--init", "style", "--color-control", "histogram",
    )  # fmt: skip
    assert code == 0, err
    assert np.median(np.abs(_ycbcr(str(plain))[..., 1:] - content[..., 1:])) > 3 / 255


@pytest.fixture(scope="module")
def keras_weights(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("weights") / "vgg19.weights.h5"
    seed_keras(50)  # module fixtures run before the per-test seeding of conftest.py
    vgg.load_vgg19("random").save_weights(path)
    return str(path)


def test_local_keras_weights_file_with_adam_avg_pooling_bf16(
    images, tmp_path, capsys, keras_weights
):
    out = tmp_path / "adam.jpg"
    code, _, err = _run(
        capsys, "--content", images["content"], "--styles", images["style"], "--output", out,
        "--network", keras_weights, "--optimizer", "adam", "--pooling", "avg", "--iterations",
        "3", "--width", "32", "--init", "content", "--initial-noiseblend", "0.1",
        "--precision", "mixed_bfloat16", "--content-layers", "block3_conv1",
        "--style-layers", "relu1_1", "relu2_1", "--learning-rate", "2",
    )  # fmt: skip
    assert code == 0, err
    assert "RANDOM" not in err
    assert Image.open(out).size == (32, 27)
    config = json.loads((tmp_path / "adam.config.json").read_text())
    assert config["optimizer"] == "adam" and config["arguments"]["precision"] == "mixed_bfloat16"


def _listing(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


@pytest.mark.parametrize(
    ("case", "expected_code", "message"),
    [
        ("missing_content", 1, "--content: "),
        ("corrupt_style", 1, "--styles: "),
        ("blend_mismatch", 2, "--style-blend-weights has 1 values for 2"),
        ("scales_mismatch", 2, "--style-scales"),
        ("unknown_layer", 2, "unknown VGG19 layer 'relu7_1'"),
        ("missing_dir", 2, "does not exist"),
        ("dir_is_file", 2, "does not exist"),
        ("bad_extension", 2, "unknown image extension"),
        ("exists", 2, "already exists"),
        ("checkpoint_pattern", 2, "placeholder"),
        ("checkpoint_pair", 2, "--checkpoint-iterations"),
        ("missing_network", 1, "weights file not found"),
        ("too_small", 1, "too small"),
        ("missing_initial", 1, "--initial: "),
        ("bad_width", 2, "--width"),
        ("bad_noiseblend", 2, "--initial-noiseblend"),
        ("width_and_sizes", 2, "--width or --sizes"),
        ("bad_blend", 2, "--content-weight-blend"),
    ],
)
def test_bad_input_one_line_nonzero_nothing_written(
    images, tmp_path, capsys, case, expected_code, message
):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n broken")
    tiny = tmp_path / "tiny.png"
    imaging.save_image(tiny, _gradient(8, 8, 0))
    (tmp_path / "exists.png").write_bytes(b"keep me")
    (tmp_path / "afile").write_text("x")
    out = str(tmp_path / "out.png")
    base = {"--content": images["content"], "--styles": images["style"], "--output": out}
    extra: list[str] = ["--iterations", "2"]
    if case == "missing_content":
        base["--content"] = str(tmp_path / "nothing.png")
    elif case == "corrupt_style":
        base["--styles"] = str(bad)
    elif case == "blend_mismatch":
        extra += ["--style-blend-weights", "1"]
        base["--styles"] = [images["style"], images["style2"]]
    elif case == "scales_mismatch":
        extra += ["--style-scales", "1", "2"]
    elif case == "unknown_layer":
        extra += ["--style-layers", "relu1_1", "relu7_1"]
    elif case == "missing_dir":
        base["--output"] = str(tmp_path / "no" / "out.png")
    elif case == "dir_is_file":
        base["--output"] = str(tmp_path / "afile" / "out.png")
    elif case == "bad_extension":
        base["--output"] = str(tmp_path / "out.xyz")
    elif case == "exists":
        base["--output"] = str(tmp_path / "exists.png")
    elif case == "checkpoint_pattern":
        extra += ["--checkpoint-output", "ck.png", "--checkpoint-iterations", "1"]
    elif case == "checkpoint_pair":
        extra += ["--checkpoint-output", "ck%d.png"]
    elif case == "missing_network":
        extra += ["--network", str(tmp_path / "vgg.h5")]
    elif case == "too_small":
        base["--content"] = str(tiny)
    elif case == "missing_initial":
        extra += ["--initial", str(tmp_path / "nope.png")]
    elif case == "bad_width":
        extra += ["--width", "0"]
    elif case == "bad_noiseblend":
        extra += ["--initial-noiseblend", "2"]
    elif case == "width_and_sizes":
        extra += ["--width", "32", "--sizes", "16", "32"]
    elif case == "bad_blend":
        extra += ["--content-weight-blend", "1.5"]
    if case not in ("missing_network",):
        extra += RANDOM
    argv = []
    for flag, value in base.items():
        argv += [flag, *(value if isinstance(value, list) else [value])]
    before = _listing(tmp_path)
    code, _, err = _run(capsys, *argv, *extra)
    assert code == expected_code
    lines = [line for line in err.splitlines() if line and not line.startswith("!!")]
    assert len(lines) == 1, err
    assert lines[0].startswith("neural_style.py: error:") and message in lines[0], lines[0]
    assert _listing(tmp_path) == before
    assert (tmp_path / "exists.png").read_bytes() == b"keep me"


def test_overwrite_replaces_existing_output(images, tmp_path, capsys):
    out = tmp_path / "out.png"
    out.write_bytes(b"old")
    args = ["--content", images["content"], "--styles", images["style"], "--output", out]
    code, _, err = _run(capsys, *args, *RANDOM, "--iterations", "1", "--overwrite")
    assert code == 0, err
    assert Image.open(out).size == (48, 40)


def _unwritable_directory(tmp_path: Path) -> Path:
    """A directory this process may not write to: read and execute only; for root, who may write
    anywhere on a normal file system, procfs's /proc/sys/kernel (its files cannot be created)."""
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        return locked
    locked = Path("/proc/sys/kernel")
    assert not os.access(locked, os.W_OK), "expected /proc/sys/kernel to be unwritable for root"
    return locked


def test_unwritable_output_directory(images, tmp_path, capsys):
    locked = _unwritable_directory(tmp_path)
    args = ["--content", images["content"], "--styles", images["style"]]
    code, _, err = _run(capsys, *args, "--output", locked / "o.png", *RANDOM)
    assert code == 2 and "not writable" in err


def test_runs_as_a_script(images, tmp_path):
    out = tmp_path / "cli.png"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    args = [sys.executable, str(ROOT / "scripts" / "neural_style.py")]
    done = subprocess.run(
        [*args, "--content", images["content"], "--styles", images["style"], "--output",
         str(out), *RANDOM, "--iterations", "2", "--optimizer", "adam"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert out.exists() and (tmp_path / "cli.config.json").exists()
    failed = subprocess.run(
        [*args, "--content", str(tmp_path / "absent.jpg"), "--styles", images["style"],
         "--output", str(tmp_path / "x.png"), *RANDOM],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr
    assert failed.stderr.strip().splitlines()[-1].startswith("neural_style.py: error:")


def test_grayscale_and_palette_inputs(tmp_path, capsys):
    gray = (_gradient(40, 40, 5)[..., 0] * 255).astype(np.uint8)
    Image.fromarray(gray, "L").save(tmp_path / "gray.png")
    palette = Image.fromarray((_gradient(36, 36, 6) * 255).astype(np.uint8)).quantize(16)
    palette.save(tmp_path / "palette.png")
    out = tmp_path / "out.png"
    code, _, err = _run(
        capsys, "--content", tmp_path / "gray.png", "--styles", tmp_path / "palette.png",
        "--output", out, *RANDOM, "--iterations", "2",
    )  # fmt: skip
    assert code == 0, err
    result = Image.open(out)
    assert result.mode == "RGB" and result.size == (40, 40)
