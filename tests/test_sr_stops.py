"""Training runs that survive any stop: signals and kills at exact steps, in subprocesses.

The stop is driven from the loop (``SR_TRAIN_SIGNAL_AT=SIGNAL:STEP`` sends the signal right after
that global step), so nothing here waits on a clock. Every interrupted run is resumed and must
end with the weights of an uninterrupted run of the same seed, bit for bit.
"""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from sr_helpers import assert_same_weights, smooth_image

from scripts import sr_prepare, srcnn, vdsr
from sr.checkpoints import counters_of
from sr.fit import StopRequest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def patches(tmp_path_factory):
    """SRCNN x3 patches of four 64x64 images, and VDSR patches of four 96x96 images."""
    root = tmp_path_factory.mktemp("stops")
    for name, size in (("small", 64), ("large", 96)):
        (root / name).mkdir()
        for i in range(4):
            Image.fromarray(smooth_image(size, size, i)).save(root / name / f"t{i}.png")
    small, large = ["--images", str(root / "small")], ["--images", str(root / "large")]
    assert sr_prepare.main(["srcnn", *small, "--scale", "3", "-o", str(root / "s.h5")]) == 0
    assert sr_prepare.main(["vdsr", *large, "-o", str(root / "v.h5")]) == 0
    return root


def _run_script(script: str, args: list[str], signal_at: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "SR_TRAIN_SIGNAL_AT": signal_at}
    cmd = [sys.executable, str(REPO / "scripts" / script), *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)


def _history(out: Path) -> list[int]:
    return [json.loads(line)["epoch"] for line in (out / "history.jsonl").read_text().splitlines()]


def _newest(out: Path) -> dict:
    found = sorted(out.glob("checkpoints/ckpt-*.index"), key=lambda p: int(p.stem.split("-")[1]))
    return counters_of(str(found[-1].with_suffix("")))


SRCNN = ["--batch-size", "4", "--steps-per-epoch", "3", "--optimizer", "adam", "--no-val"]


@pytest.fixture(scope="module")
def srcnn_reference(patches, tmp_path_factory):
    """An uninterrupted SRCNN run: 3 epochs of 3 steps."""
    out = tmp_path_factory.mktemp("reference") / "run"
    args = ["--patches", str(patches / "s.h5"), *SRCNN, "--epochs", "3", "--out", str(out)]
    assert srcnn.main(args) == 0
    return out


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM", "SIGKILL"])
@pytest.mark.parametrize("step", [5, 6], ids=["inside-epoch", "epoch-last-step"])
def test_stop_at_a_step_then_resume_equals_an_uninterrupted_run(
    patches, srcnn_reference, tmp_path, signame, step
):
    out = tmp_path / "run"
    args = ["--patches", str(patches / "s.h5"), *SRCNN, "--epochs", "3", "--out", str(out)]
    run = _run_script("srcnn.py", args, f"{signame}:{step}")
    if signame == "SIGKILL":
        assert run.returncode == -signal.SIGKILL
        assert _newest(out)["global_step"] == 3  # the epoch-1 checkpoint; nothing after it
    else:
        assert run.returncode == 130, run.stderr[-2000:]
        assert "stopped; checkpoint saved" in run.stderr.splitlines()[-1]
        counters = _newest(out)
        assert (counters["global_step"], counters["step_in_epoch"]) == (step, step - 3)
    assert srcnn.main(["--out", str(out), "--resume"]) == 0
    assert_same_weights(out / "last.weights.h5", srcnn_reference / "last.weights.h5")
    assert _history(out) == [1, 2, 3]


def test_the_issue_reproduction_sigterm_in_an_epochs_last_step(patches, tmp_path):
    """VDSR, one step per epoch (48 patches, batch 48), SIGTERM while epoch 2 trains."""
    args = ["--patches", str(patches / "v.h5"), "--no-val", "--batch-size", "48", "--epochs", "3"]
    assert vdsr.main([*args, "--out", str(tmp_path / "straight")]) == 0
    out = tmp_path / "stopped"
    run = _run_script("vdsr.py", [*args, "--out", str(out)], "SIGTERM:2")
    assert run.returncode == 130, run.stderr[-2000:]
    counters = _newest(out)
    assert (counters["epoch"], counters["step_in_epoch"]) == (1, 1)  # all of epoch 2's steps
    assert vdsr.main(["--out", str(out), "--resume"]) == 0
    assert_same_weights(out / "last.weights.h5", tmp_path / "straight" / "last.weights.h5")
    assert _history(out) == [1, 2, 3]


def test_time_based_checkpoints_and_a_damaged_newest_one(
    patches, srcnn_reference, tmp_path, capsys
):
    out = tmp_path / "run"
    args = ["--patches", str(patches / "s.h5"), *SRCNN, "--epochs", "3", "--out", str(out)]
    run = _run_script("srcnn.py", [*args, "--checkpoint-minutes", "1e-9"], "SIGKILL:5")
    assert run.returncode == -signal.SIGKILL
    kept = sorted(int(p.stem.split("-")[1]) for p in out.glob("checkpoints/ckpt-*.index"))
    assert kept == [2, 3, 4]  # one after every step (the newest 3 kept); none for step 5
    assert _newest(out)["step_in_epoch"] == 1  # a checkpoint from inside epoch 2
    (data,) = out.glob("checkpoints/ckpt-4.data-*")
    raw = bytearray(data.read_bytes())
    raw[len(raw) // 2] ^= 0xFF  # one flipped byte: the CRC no longer matches
    data.write_bytes(bytes(raw))
    assert srcnn.main(["--out", str(out), "--resume"]) == 0
    err = capsys.readouterr().err
    assert "ckpt-4 is damaged" in err and "trying the one before it" in err
    assert_same_weights(out / "last.weights.h5", srcnn_reference / "last.weights.h5")
    assert _history(out) == [1, 2, 3]


def test_resume_refuses_flags_that_change_the_run(patches, srcnn_reference, tmp_path, capsys):
    for flags, field in [
        (["--batch-size", "8"], "batch_size 8"),
        (["--scales", "2"], "scales (2,)"),
        (["--patches", str(patches / "v.h5")], "patches"),
    ]:
        assert srcnn.main(["--out", str(srcnn_reference), "--resume", *flags]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("srcnn.py: error: --resume continues")
        assert field in err[0] and "--init" in err[0]
    assert vdsr.main(["--out", str(srcnn_reference), "--resume"]) == 1
    assert "is a srcnn run, not vdsr" in capsys.readouterr().err
    same = ["--batch-size", "4", "--epochs", "3", "--patches", str(patches / "s.h5")]
    assert srcnn.main(["--out", str(srcnn_reference), "--resume", *same]) == 0  # nothing changes


def test_an_old_npz_run_says_how_to_continue(tmp_path, capsys):
    (tmp_path / "config.json").write_text(json.dumps({"model": "srcnn"}))
    (tmp_path / "checkpoint.npz").write_bytes(b"")
    assert srcnn.main(["--out", str(tmp_path), "--resume"]) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "checkpoint.npz" in line and f"--init {tmp_path / 'last.weights.h5'}" in line
    assert srcnn.main(["--out", str(tmp_path), "--patches", "x.h5"]) == 1
    assert "already holds a run" in capsys.readouterr().err


def test_first_signal_requests_a_stop_and_the_second_aborts():
    # Python's own SIGINT handler to start from, whatever the runner inherited (a job started in
    # the background by a shell, e.g. under nohup, inherits SIGINT ignored)
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with StopRequest() as stop:
            os.kill(os.getpid(), signal.SIGTERM)
            assert stop.requested
            with pytest.raises(KeyboardInterrupt):
                os.kill(os.getpid(), signal.SIGINT)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, inherited)
