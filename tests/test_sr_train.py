"""The shared trainer and the three training scripts on a tiny generated image set."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sr_helpers import smooth_image, weight_arrays

from common.errors import UserError
from scripts import sr_prepare, srcnn, vdsr, vdsr_sp
from sr.checkpoints import RunCheckpoints
from sr.cli import train as train_cli
from sr.config import PRESETS, resume_fields
from sr.pipeline import PatchSet
from sr.training import NonFiniteLoss, Trainer
from sr.weights import read_metadata

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Four 64x64 training images, two validation images, and the three patch files."""
    root = tmp_path_factory.mktemp("sr_tiny")
    (root / "train").mkdir()
    (root / "val").mkdir()
    for i in range(4):
        Image.fromarray(smooth_image(64, 64, i)).save(root / "train" / f"t{i}.png")
    for i in range(2):
        Image.fromarray(smooth_image(36, 40, 10 + i)).save(root / "val" / f"v{i}.png")
    images = ["--images", str(root / "train")]
    assert sr_prepare.main(["srcnn", *images, "--scale", "3", "-o", str(root / "s.h5")]) == 0
    assert sr_prepare.main(["vdsr", *images, "-o", str(root / "v.h5")]) == 0
    sub = ["subpixel", *images, "--scale", "3", "--lr-size", "8", "-o", str(root / "p.h5")]
    assert sr_prepare.main(sub) == 0
    return root


def _weights(path):
    return list(weight_arrays(path).values())


COMMON = ["--batch-size", "4", "--steps-per-epoch", "2", "--optimizer", "adam"]


@pytest.mark.parametrize(
    "script, patches, extra",
    [
        (srcnn, "s.h5", []),
        (vdsr, "v.h5", ["--depth", "3", "--precision", "mixed_bfloat16", "--augment"]),
        (vdsr_sp, "p.h5", ["--depth", "3", "--loss", "huber"]),
    ],
)
def test_two_steps_then_resume(tiny, tmp_path, script, patches, extra):
    out = tmp_path / "run"
    base = ["--patches", str(tiny / patches), "--out", str(out), "--val", str(tiny / "val")]
    assert script.main([*base, *COMMON, *extra, "--epochs", "1"]) == 0
    for name in ("config.json", "checkpoints/checkpoint", "best.weights.h5", "last.weights.h5"):
        assert (out / name).is_file(), name
    assert list((out / "logs").iterdir())  # TensorBoard events
    history = [json.loads(line) for line in (out / "history.jsonl").read_text().splitlines()]
    assert history[-1]["epoch"] == 1 and history[-1]["global_step"] == 2
    assert script.main(["--out", str(out), "--resume", "--epochs", "2"]) == 0
    history = [json.loads(line) for line in (out / "history.jsonl").read_text().splitlines()]
    assert [h["global_step"] for h in history] == [2, 4]
    assert json.loads((out / "config.json").read_text())["epochs"] == 2


def _conv1_std(path) -> float:
    (conv1,) = [w for w in _weights(path) if w.shape[-2:] == (1, 64)]  # the one 9x9x1x64 kernel
    return float(conv1.std())


def test_srcnn_kernel_init_flag_reaches_the_model(tiny, tmp_path):
    args = ["--patches", str(tiny / "s.h5"), "--no-val", *COMMON, "--epochs", "1", "--lr", "1e-6"]
    assert srcnn.main([*args, "--out", str(tmp_path / "p")]) == 0
    assert srcnn.main([*args, "--out", str(tmp_path / "he"), "--kernel-init", "he"]) == 0
    assert json.loads((tmp_path / "he" / "config.json").read_text())["srcnn_init"] == "he"
    assert _conv1_std(tmp_path / "p" / "last.weights.h5") < 0.002  # N(0, 0.001^2)
    assert _conv1_std(tmp_path / "he" / "last.weights.h5") > 0.1  # sqrt(2 / 81) = 0.157


def test_resume_at_epoch_boundary_is_exact(tiny, tmp_path):
    args = ["--patches", str(tiny / "s.h5"), "--no-val", *COMMON]
    assert srcnn.main([*args, "--out", str(tmp_path / "a"), "--epochs", "2"]) == 0
    assert srcnn.main([*args, "--out", str(tmp_path / "b"), "--epochs", "1"]) == 0
    assert srcnn.main(["--out", str(tmp_path / "b"), "--resume", "--epochs", "2"]) == 0
    for x, y in zip(
        _weights(tmp_path / "a/last.weights.h5"),
        _weights(tmp_path / "b/last.weights.h5"),
        strict=True,
    ):
        np.testing.assert_array_equal(x, y)


def _trainer(tiny, **changes):
    settings = dict(
        depth=3, batch_size=4, scales=(2, 3, 4), optimizer="adam", learning_rate=1e-3,
        augment=True, validation=(),
    )  # fmt: skip
    config = PRESETS["vdsr"].replace(**{**settings, **changes})
    return Trainer(config, PatchSet.load(str(tiny / "v.h5")))


def test_mid_epoch_state_resumes_exactly(tiny, tmp_path):
    straight = _trainer(tiny)
    losses = [s.loss for s in straight.run_epoch()]
    assert len(losses) == 3  # 12 patches / batch 4
    first = _trainer(tiny)
    steps = first.run_epoch()
    next(steps)
    RunCheckpoints(tmp_path, first).save()
    second = _trainer(tiny, seed=0)
    RunCheckpoints(tmp_path, second).restore()
    assert (second.epoch, second.step_in_epoch) == (0, 1)
    assert [s.loss for s in second.run_epoch()] == losses[1:]
    for x, y in zip(straight.model.get_weights(), second.model.get_weights(), strict=True):
        np.testing.assert_array_equal(x, y)


def test_nan_loss_stops_with_one_line_and_no_checkpoint(tiny, tmp_path, capsys):
    with pytest.raises(NonFiniteLoss):
        for _ in _trainer(tiny, optimizer="sgd", learning_rate=1e30, clip_theta=None).run_epoch():
            pass
    out = tmp_path / "nan"
    args = ["--patches", str(tiny / "v.h5"), "--out", str(out), "--no-val", "--depth", "3"]
    code = vdsr.main([*args, "--batch-size", "4", "--lr", "1e30", "--clip-theta", "0"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and err[-1].startswith("vdsr.py: error: loss became")
    assert not (out / "checkpoint.npz").exists()
    # the last good checkpoint (the run's start) is kept and named; nothing of the broken state
    assert f"last good checkpoint {out / 'checkpoints' / 'ckpt-0'} is kept" in err[-1]
    assert [p.name for p in (out / "checkpoints").glob("*.index")] == ["ckpt-0.index"]


def test_bad_flags_and_wrong_patch_file(tiny, tmp_path, capsys):
    out = str(tmp_path / "r")
    assert vdsr.main(["--patches", str(tiny / "s.h5"), "--out", out, "--no-val"]) == 1
    assert "trains on 'vdsr' patches" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        srcnn.main(["--out", out])
    assert "--patches" in capsys.readouterr().err
    assert srcnn.main(["--out", str(tmp_path / "none"), "--resume"]) == 1


def test_init_starts_from_weights_and_counts_every_stage(tiny, tmp_path, capsys):
    args = ["--patches", str(tiny / "s.h5"), "--no-val", *COMMON]
    first, second = tmp_path / "stage1", tmp_path / "stage2"
    assert srcnn.main([*args, "--out", str(first), "--epochs", "2"]) == 0
    init = ["--init", str(first / "last.weights.h5"), "--lr", "1e-12", "--lr-last", "1e-12"]
    assert srcnn.main([*args, *init, "--out", str(second), "--epochs", "1"]) == 0
    for x, y in zip(
        _weights(first / "last.weights.h5"), _weights(second / "last.weights.h5"), strict=True
    ):
        # Adam moves a weight by at most about lr a step: 2 steps at 1e-12 move it by 2e-12
        np.testing.assert_allclose(x, y, atol=1e-9)  # a negligible rate: the stage starts there
    meta = read_metadata(second / "last.weights.h5")
    assert (meta["epochs_trained"], meta["run_epochs"]) == (3, 1)
    # with --ema the moving average starts at the --init weights too, not at a fresh init
    ema = ["--ema", "0.99", "--out", str(tmp_path / "stage2_ema")]
    assert srcnn.main([*args, *init, *ema, "--epochs", "1"]) == 0
    for x, y in zip(
        _weights(first / "last.weights.h5"),
        _weights(tmp_path / "stage2_ema" / "last_ema.weights.h5"),
        strict=True,
    ):
        # 2 float32 updates 0.99 a + 0.01 w with w = a: float32(0.99), float32(0.01), 2 products
        # and a sum, <= 2.5 u = 1.5e-7 relative each (measured 2.4e-7 after 2), 1e-6 covers it
        np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-9)
    assert srcnn.main(["--out", str(second), "--resume", "--epochs", "2"]) == 0
    meta = read_metadata(second / "last.weights.h5")
    assert (meta["epochs_trained"], meta["run_epochs"]) == (4, 2)
    wrong = ["--patches", str(tiny / "v.h5"), "--no-val", *COMMON, "--depth", "3"]
    wrong += ["--init", str(first / "last.weights.h5"), "--out", str(tmp_path / "w")]
    assert vdsr.main(wrong) == 1
    assert "holds srcnn weights, not vdsr" in capsys.readouterr().err


MIRRORED = """
import sys
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from scripts import srcnn
sys.exit(srcnn.main(sys.argv[1:]))
"""


def test_mirrored_strategy_on_two_cpus_matches_one_device(tiny, tmp_path):
    args = ["--patches", str(tiny / "s.h5"), "--no-val", *COMMON, "--epochs", "1", "--lr", "1e-3"]
    assert srcnn.main([*args, "--out", str(tmp_path / "one")]) == 0
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [
        sys.executable,
        "-c",
        MIRRORED,
        *args,
        "--out",
        str(tmp_path / "two"),
        "--strategy",
        "mirrored",
    ]
    run = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads((tmp_path / "two/config.json").read_text())["replicas"] == 2
    for x, y in zip(
        _weights(tmp_path / "one/last.weights.h5"),
        _weights(tmp_path / "two/last.weights.h5"),
        strict=True,
    ):
        # the two replicas sum the batch's gradient in another float32 order (relative ~1e-6 of
        # it); Adam's step lr m / sqrt(v) passes that on relatively: 2 steps at lr 1e-3 (1e-5
        # for the last layer) differ by ~1e-9 (measured <= 8e-9 on weights of ~5e-3); the
        # bound, ~5e-6, is 1/200 of the lr = 1e-3 step a dropped replica gradient would show
        np.testing.assert_allclose(x, y, rtol=1e-3, atol=1e-6)


def test_on_the_fly_training(tiny, tmp_path):
    out = tmp_path / "otf"
    args = ["--on-the-fly", "--images", str(tiny / "train"), "--out", str(out), "--no-val"]
    assert srcnn.main([*args, *COMMON, "--epochs", "1", "--augment"]) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["on_the_fly"] and config["patch_size"] == 33 and config["steps_per_epoch"] == 2
    assert config["downscale"] == []


def test_on_the_fly_downscale_flag(tiny, tmp_path, capsys):
    out = tmp_path / "otf_ds"
    args = ["--on-the-fly", "--images", str(tiny / "train"), "--out", str(out), "--no-val"]
    shrink = ["--downscale", "1.0", "0.99", "--patch-size", "30"]
    assert srcnn.main([*args, *COMMON, "--epochs", "1", *shrink]) == 0
    printed = capsys.readouterr()
    assert "srcnn: crops of 8 images, 8 patches" in printed.err  # 4 images and 4 shrunk copies
    assert "1 epochs, no validation, weights in" in printed.out
    assert json.loads((out / "config.json").read_text())["downscale"] == [1.0, 0.99]
    for bad, message in [
        (["--downscale", "1.5"], "distinct and in (0, 1]"),
        (["--downscale", "0.5", "0.5"], "distinct and in (0, 1]"),
    ]:
        with pytest.raises(SystemExit):
            srcnn.main(["--on-the-fly", "--out", str(tmp_path / "no"), *COMMON, *bad])
        assert message in capsys.readouterr().err
    with pytest.raises(SystemExit):
        srcnn.main(["--patches", str(tiny / "s.h5"), "--out", str(tmp_path / "no"), *shrink])
    assert "--downscale needs --on-the-fly" in capsys.readouterr().err
    assert not (tmp_path / "no").exists()


def test_ema_is_the_moving_average_of_the_weights_after_each_step(tiny):
    decay = 0.75
    trainer = _trainer(tiny, ema=decay)
    weights = {v.path: v for v in trainer.model.trainable_variables}
    average = {n: v.numpy().astype(np.float64) for n, v in weights.items()}
    for _ in trainer.run_epoch():  # the recurrence, written out step by step in float64
        for n, v in weights.items():
            average[n] = decay * average[n] + (1 - decay) * v.numpy()
    for n, v in weights.items():
        # float32 update decay * a + (1 - decay) * w, 0.75 and 0.25 exact: two roundings a step,
        # 3 steps: 6 u = 3.6e-7 relative; the atol for weights near 0 (initial ones are ~1e-2+)
        np.testing.assert_allclose(trainer.ema[n].numpy(), average[n], rtol=1e-5, atol=1e-7)
        assert not np.allclose(trainer.ema[n].numpy(), v.numpy())  # the average lags behind
    raw = [w.copy() for w in trainer.model.get_weights()]
    trainer.load_ema()
    for n, v in weights.items():
        np.testing.assert_array_equal(v.numpy(), trainer.ema[n].numpy())
    trainer.restore()
    for x, y in zip(raw, trainer.model.get_weights(), strict=True):
        np.testing.assert_array_equal(x, y)


def test_ema_run_validates_and_saves_the_average_and_resumes_it(tiny, tmp_path):
    args = ["--patches", str(tiny / "s.h5"), "--val", str(tiny / "val"), *COMMON, "--ema", "0.5"]
    args += ["--lr", "1e-2", "--lr-last", "1e-3"]
    assert srcnn.main([*args, "--out", str(tmp_path / "a"), "--epochs", "2"]) == 0
    lines = (tmp_path / "a/history.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    assert set(first["val_psnr_ema"]) == {"x3"} and first["val_psnr_ema"] != first["val_psnr"]
    for name in ("best_ema", "last_ema", "best", "last"):
        assert (tmp_path / "a" / f"{name}.weights.h5").is_file(), name
    assert read_metadata(tmp_path / "a/last_ema.weights.h5")["ema"] is True
    assert srcnn.main([*args, "--out", str(tmp_path / "b"), "--epochs", "1"]) == 0
    assert srcnn.main(["--out", str(tmp_path / "b"), "--resume", "--epochs", "2"]) == 0
    for name in ("last_ema", "last"):
        for x, y in zip(
            _weights(tmp_path / "a" / f"{name}.weights.h5"),
            _weights(tmp_path / "b" / f"{name}.weights.h5"),
            strict=True,
        ):
            np.testing.assert_array_equal(x, y)
    with pytest.raises(SystemExit):
        srcnn.main([*args, "--out", str(tmp_path / "c"), "--ema", "1.5"])


def test_help_shows_each_models_preset_and_only_its_flags():
    vdsr_help = train_cli.build_parser("vdsr").format_help()
    assert "learning rate (default: 0.1)" in vdsr_help
    assert "(default: 2 3 4)" in vdsr_help and "--lr-last" not in vdsr_help
    srcnn_help = train_cli.build_parser("srcnn").format_help()
    assert "learning rate (default: 0.0001)" in srcnn_help and "(default: 1e-05)" in srcnn_help
    assert "--depth" not in srcnn_help and "--no-residual" not in srcnn_help
    assert "--no-residual" in train_cli.build_parser("vdsr_sp").format_help()


def test_config_validates_and_normalises_its_fields():
    with pytest.raises(UserError, match="--ema must be a decay"):
        PRESETS["srcnn"].replace(ema=1.5)
    with pytest.raises(UserError, match="--scales"):
        PRESETS["vdsr"].replace(scales=(2, 9))
    assert PRESETS["vdsr"].replace(clip_theta=0.0).clip_theta is None  # 0: no clipping
    asked = resume_fields("vdsr", {"clip_theta": 0.0, "scales": (2,)})
    assert asked == {"clip_theta": None, "scales": (2,), "validation_scales": (2,)}
