"""Training runs that survive any stop: signals and kills at exact steps, in subprocesses.

Each stop is sent from this process at a moment seen from outside (tests/kill_harness.py: the run
folder watched with inotify, stderr read as it comes, the trainer frozen with SIGSTOP when the
moment comes, then signalled), so nothing here waits on a clock:

* a stop request (SIGINT / SIGTERM) sent while checkpoint k is being written lands exactly at
  the boundary of step k + 1: that write comes after step k's stop check, and the next check is
  step k + 1's. With a checkpoint after every step (``--checkpoint-minutes 1e-9``) k is any step;
  otherwise an epoch end's;
* a SIGKILL when epoch 2's progress bar appears (drawn after its first step) lands inside its
  steps; one on the temporary file of epoch 2's last weights lands after its history line and
  before its checkpoint; one at the end of checkpoint k, inside step k + 1.

Every interrupted run is resumed and must end with the weights of an uninterrupted run of the
same seed, bit for bit. tests/test_sr_kills.py lands many more kills at random moments.
"""

import json
import os
import signal
from pathlib import Path

import pytest
from kill_harness import bar, created, stop_from_outside, writing, written
from PIL import Image
from sr_helpers import assert_same_weights, smooth_image

from scripts import sr_prepare, srcnn, vdsr
from sr.checkpoints import counters_of
from sr.fit import StopRequest


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
    signum = getattr(signal, signame)
    if signame == "SIGKILL":  # no checkpoint inside an epoch: the kill loses epoch 2's steps
        # step 5: while epoch 2 trains; step 6: after its last step and history line
        when = bar(2) if step == 5 else created(".last.weights.h5.", 2)
        run = stop_from_outside("srcnn.py", args, out, when, signum)
        assert run.code == -signal.SIGKILL
        assert _newest(out)["global_step"] == 3  # the epoch-1 checkpoint; nothing after it
        assert _history(out) == ([1] if step == 5 else [1, 2])  # resume drops epoch 2's line
    else:  # a checkpoint after every step, to see them: asked during step - 1's, stops at step
        args += ["--checkpoint-minutes", "1e-9"]
        run = stop_from_outside("srcnn.py", args, out, writing(step - 1), signum)
        assert run.code == 130, run.stderr[-2000:]
        last = run.stderr.splitlines()[-1]
        assert f"stopped; checkpoint saved ({out}/checkpoints/ckpt-{step})" in last
        counters = _newest(out)
        assert (counters["global_step"], counters["step_in_epoch"]) == (step, step - 3)
    assert srcnn.main(["--out", str(out), "--resume"]) == 0
    assert_same_weights(out / "last.weights.h5", srcnn_reference / "last.weights.h5")
    assert _history(out) == [1, 2, 3]


def test_the_issue_reproduction_sigterm_in_an_epochs_last_step(patches, tmp_path):
    """VDSR, one step per epoch (48 patches, batch 48), SIGTERM while epoch 1's checkpoint is
    written: epoch 2's step is the next boundary, the epoch's last."""
    args = ["--patches", str(patches / "v.h5"), "--no-val", "--batch-size", "48", "--epochs", "3"]
    assert vdsr.main([*args, "--out", str(tmp_path / "straight")]) == 0
    out = tmp_path / "stopped"
    run = stop_from_outside("vdsr.py", [*args, "--out", str(out)], out, writing(1), signal.SIGTERM)
    assert run.code == 130, run.stderr[-2000:]
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
    args += ["--checkpoint-minutes", "1e-9"]
    run = stop_from_outside("srcnn.py", args, out, written(4), signal.SIGKILL)  # in step 5
    assert run.code == -signal.SIGKILL
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


def test_a_run_killed_in_its_first_checkpoint_starts_again(
    patches, srcnn_reference, tmp_path, capsys
):
    """SIGKILL while the start writes ckpt-0: no checkpoint is whole, so --resume says to start
    again, and the same command does (it used to refuse: "already holds a run")."""
    out = tmp_path / "run"
    args = ["--patches", str(patches / "s.h5"), *SRCNN, "--epochs", "3", "--out", str(out)]
    run = stop_from_outside("srcnn.py", args, out, writing(0), signal.SIGKILL)
    assert run.code == -signal.SIGKILL
    assert not list(out.glob("checkpoints/ckpt-*.index"))  # its data were still being written
    assert srcnn.main(["--out", str(out), "--resume"]) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "cannot resume: no checkpoint" in line
    assert line.endswith("start it again (the same command without --resume)")
    assert srcnn.main(args) == 0
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
