"""Two training workers on 127.0.0.1 (``--strategy multiworker``, TF_CONFIG), in subprocesses.

Both workers must hold the same weights, equal to a one-process run with the same global batch
and seed; a stop asked of one worker stops both at the same step, and the pair resumes exactly;
a worker killed mid-run makes the other stop with one line instead of hanging. Stops are sent
from this process to worker 1 at a moment seen from outside (tests/kill_harness.py): while its
epoch-1 checkpoint is written (so the stop lands at step 4, the next stop check), or when its
first progress bar appears (after step 1).
"""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from kill_harness import Victim, Watch, bar, writing
from PIL import Image
from sr_helpers import smooth_image, weight_arrays

from scripts import sr_prepare, srcnn
from sr.distribute import local_tf_configs

REPO = Path(__file__).resolve().parents[1]
FLAGS = ["--batch-size", "4", "--steps-per-epoch", "3", "--epochs", "2", "--no-val"]
FLAGS += ["--optimizer", "adam", "--lr", "1e-3", "--lr-last", "1e-4", "--seed", "3"]


@pytest.fixture(scope="module")
def patch_file(tmp_path_factory):
    root = tmp_path_factory.mktemp("mw")
    (root / "img").mkdir()
    for i in range(4):
        Image.fromarray(smooth_image(64, 64, i)).save(root / "img" / f"t{i}.png")
    out = root / "s.h5"
    assert (
        sr_prepare.main(["srcnn", "--images", str(root / "img"), "--scale", "3", "-o", str(out)])
        == 0
    )
    return out


def _cluster(args: list[str], stop: tuple[int, object] | None = None) -> list[tuple[int, str]]:
    """Run two workers of ``srcnn.py ARGS --strategy multiworker``; (exit code, stderr) each.

    ``stop = (signum, trigger)``: worker 1, whose run folder ``OUT/.worker-1`` is watched, gets
    ``signum`` (frozen with SIGSTOP first) when ``trigger(event, events)`` first holds.
    """
    out = Path(args[args.index("--out") + 1])
    chief_config, worker_config = local_tf_configs(2)
    cmd = [sys.executable, str(REPO / "scripts" / "srcnn.py"), *args]
    env = {**os.environ, "TF_CONFIG": chief_config}
    chief = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
    watch = Watch(out)
    worker = Victim("srcnn.py", args, watch, env={**os.environ, "TF_CONFIG": worker_config})
    try:
        if stop:
            assert worker.until(stop[1]), worker.stderr[-2000:]
            assert worker.freeze(), worker.stderr[-2000:]
            worker.send(stop[0])
        worker_code = worker.finish(limit=300)
        _, chief_err = chief.communicate(timeout=300)
    finally:
        chief.kill()
        worker.kill_now()
        watch.close()
    return [(chief.returncode, chief_err), (worker_code, worker.stderr)]


@pytest.fixture(scope="module")
def two_workers(patch_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("pair") / "run"
    args = ["--patches", str(patch_file), *FLAGS, "--strategy", "multiworker", "--out", str(out)]
    results = _cluster(args)
    assert [code for code, _ in results] == [0, 0], results[0][1][-2000:] + results[1][1][-2000:]
    return out


def test_two_workers_hold_the_weights_of_one_process(two_workers, patch_file, tmp_path):
    chief, other = (
        weight_arrays(two_workers / "last.weights.h5"),
        weight_arrays(two_workers / ".worker-1" / "last.weights.h5"),
    )
    for key in chief:
        np.testing.assert_array_equal(chief[key], other[key], err_msg=key)
    config = json.loads((two_workers / "config.json").read_text())
    assert config["strategy"] == "multiworker" and config["replicas"] == 2
    assert not (two_workers / ".worker-1" / "logs").exists()  # only the chief logs
    single = tmp_path / "single"
    assert srcnn.main(["--patches", str(patch_file), *FLAGS, "--out", str(single)]) == 0
    alone = weight_arrays(single / "last.weights.h5")
    for key in chief:
        np.testing.assert_allclose(chief[key], alone[key], rtol=1e-5, atol=1e-6, err_msg=key)


def test_a_stop_asked_of_one_worker_stops_both_and_they_resume_exactly(
    two_workers, patch_file, tmp_path
):
    out = tmp_path / "run"
    args = ["--patches", str(patch_file), *FLAGS, "--strategy", "multiworker", "--out", str(out)]
    results = _cluster(args, stop=(signal.SIGTERM, writing(3, ".worker-1")))
    assert [code for code, _ in results] == [130, 130], results[0][1][-2000:]
    for (_, err), folder in zip(results, [out, out / ".worker-1"], strict=True):  # both at step 4
        assert f"checkpoint saved ({folder}/checkpoints/ckpt-4)" in err.splitlines()[-1]
    results = _cluster(["--resume", "--out", str(out)])
    assert [code for code, _ in results] == [0, 0], results[0][1][-2000:]
    resumed, straight = (
        weight_arrays(out / "last.weights.h5"),
        weight_arrays(two_workers / "last.weights.h5"),
    )
    for key in straight:
        np.testing.assert_array_equal(resumed[key], straight[key], err_msg=key)


def test_a_killed_worker_stops_the_other_with_one_line(patch_file, tmp_path):
    out = tmp_path / "run"
    args = ["--patches", str(patch_file), *FLAGS, "--strategy", "multiworker", "--out", str(out)]
    (chief_code, chief_err), (worker_code, _) = _cluster(args, stop=(signal.SIGKILL, bar(1)))
    assert worker_code == -signal.SIGKILL
    assert chief_code == 1
    last = chief_err.strip().splitlines()[-1]
    assert last.startswith("srcnn.py: error: a worker of the cluster stopped")
    assert f"--resume --out {out}" in last


def test_multiworker_without_tf_config_is_one_line(patch_file, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    args = ["--patches", str(patch_file), *FLAGS, "--strategy", "multiworker"]
    assert srcnn.main([*args, "--out", str(tmp_path / "r")]) == 1
    assert "needs TF_CONFIG" in capsys.readouterr().err
