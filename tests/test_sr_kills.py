"""SR training killed from outside at random moments, resumed until it ends, ends exactly as a
run never stopped: the same weights bit for bit, one history line per epoch.

Two runs are killed again and again, 21 kills in all, each in a new ``python scripts/*.py``
process (tests/kill_harness.py), both runs side by side (one per core):

* VDSR with ``--depth 2`` instead of the paper's 20 (``--depth`` is the only size flag; 2 is
  the smallest depth with a hidden layer, of the fixed width 64), batch 4, 3 steps per epoch,
  10 epochs, validation every epoch on a folder of two small images (``--val``), and a
  checkpoint after every step (``--checkpoint-minutes 1e-9``), so that the end of each step is
  visible from outside and a SIGKILL loses at most the step it lands in; 11 kills, the first
  in the start's own first checkpoint write;
* SRCNN, batch 4, 8 steps per epoch, 12 epochs, ``--no-val``, checkpoints at epoch ends only,
  so that a SIGKILL inside an epoch loses that epoch's steps and the run must redo them;
  10 kills.

How a kill is landed where it is meant to: the run folder is watched with inotify and the
trainer's stderr is read as it comes.

* checkpoint write: triggered by one of the write's own events (its temporary folder, its data
  file renamed into place, its index closed, the first rename of the state file, an old
  checkpoint's deletion), plus a delay drawn under 1 ms (a write took 5-40 ms here);
* validation: the end of the checkpoint of an epoch's last step (the validation starts right
  after it), plus a delay drawn in the first half of the shortest validation measured in the
  uninterrupted run;
* step: the end of a checkpoint plus a delay in the first half of the shortest measured step
  (VDSR), or an epoch's progress bar (drawn after its first step) plus a delay in the first half
  of the measured length of the epoch's remaining steps (SRCNN);
* epoch-end write: the history or last-weights temporary file, plus under 1 ms;
* startup: the resumed process's temporary config.json.

The process is then frozen (SIGSTOP), every event up to that instant is read and its phase named
from them: the landing phases are asserted, not assumed. Then it gets SIGKILL, or SIGTERM /
SIGINT and SIGCONT (the graceful path: a checkpoint at the next step boundary, exit code 130).
After each kill: the exit code, where a stop stopped (:func:`kill_harness.stop_range`), that
history.jsonl is a prefix of the uninterrupted run's; the next process must report the damaged
checkpoints and train from the newest whole one (a SIGKILL's lost steps redone, no others).
Moments, signals and delays come from ``seeds.rng``; ``TEST_SEED_SHIFT`` also changes the images
and the training seed.
"""

import io
import json
import re
import signal
from concurrent.futures import ThreadPoolExecutor
from contextlib import redirect_stderr
from pathlib import Path

import h5py
import pytest
from kill_harness import (
    PHASES,
    Kill,
    Victim,
    Watch,
    check_start,
    drive,
    histogram,
    measure,
)
from PIL import Image
from seeds import rng, seed
from sr_helpers import assert_same_weights, smooth_image

from scripts import sr_prepare, srcnn, vdsr

KILL, STOPS = signal.SIGKILL, (signal.SIGTERM, signal.SIGINT)
VDSR_STEPS, VDSR_EPOCHS, SRCNN_STEPS, SRCNN_EPOCHS = 3, 10, 8, 12
CHECKPOINT_EVENTS = ("temp", "data", "index", "state", "sweep")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Patches of four 64x64 (SRCNN x3) and four 96x96 images (VDSR x2-x4), and a validation
    folder of a 27x35 and a 32x22 image."""
    root = tmp_path_factory.mktemp("kill-data")
    for name, size in (("small", 64), ("large", 96)):
        (root / name).mkdir()
        for i in range(4):
            Image.fromarray(smooth_image(size, size, seed(i))).save(root / name / f"t{i}.png")
    (root / "val").mkdir()
    for i, (h, w) in enumerate([(27, 35), (32, 22)]):
        Image.fromarray(smooth_image(h, w, seed(10 + i))).save(root / "val" / f"v{i}.png")
    small, large = ["--images", str(root / "small")], ["--images", str(root / "large")]
    assert sr_prepare.main(["srcnn", *small, "--scale", "3", "-o", str(root / "s.h5")]) == 0
    assert sr_prepare.main(["vdsr", *large, "-o", str(root / "v.h5")]) == 0
    return root


def _signals(r, count: int) -> list[int]:
    """Half SIGKILL, half a stop request (SIGTERM, SIGINT in turn, from a drawn one), in a
    drawn order."""
    first = int(r.integers(2))
    picks = [KILL if i % 2 else STOPS[(first + i // 2) % 2] for i in range(count)]
    return [picks[i] for i in r.permutation(count)]


def _plan(r, phases: list[str], last: int, first: Kill | None, epoch_ends_only: bool):
    """Kills at drawn phases, spread over global steps 2..``last``."""
    order = [phases[i] for i in r.permutation(len(phases))]
    if order[0] == "startup":  # a resumed process's startup, not the very first one
        order[0], order[1] = order[1], order[0]
    signals = {p: _signals(r, order.count(p)) for p in sorted(set(order))}  # a fixed order
    kills = [first] if first else []
    for i, where in enumerate(order):
        at = 2 + round(i * (last - 2) / max(len(order) - 1, 1))
        signum = KILL if where == "startup" else signals[where].pop()
        event, epoch_end = "", False
        if where == "checkpoint write":
            epoch_end = epoch_ends_only or bool(r.integers(2))
            # with a checkpoint per step, an epoch end rewrites its last step's: nothing to sweep
            events = CHECKPOINT_EVENTS[:-1] if epoch_end and not epoch_ends_only else None
            event = str(r.choice(events or CHECKPOINT_EVENTS))
        elif where == "epoch-end write":  # a SIGKILL between an epoch's history line and
            # its checkpoint (so the resume must drop that line), a stop in either file
            event = "last" if signum == KILL else str(r.choice(["history", "last"]))
        kills.append(Kill(where, at, signum, event, epoch_end, float(r.uniform(0, 1))))
    return kills


def _vdsr_args(data: Path, out: Path) -> list[str]:
    return [
        "--patches", str(data / "v.h5"), "--val", str(data / "val"), "--depth", "2",
        "--batch-size", "4", "--steps-per-epoch", str(VDSR_STEPS),
        "--epochs", str(VDSR_EPOCHS), "--lr", "0.01", "--checkpoint-minutes", "1e-9",
        "--seed", str(seed(1)), "--out", str(out),
    ]  # fmt: skip


def _srcnn_args(data: Path, out: Path) -> list[str]:
    return [
        "--patches", str(data / "s.h5"), "--no-val", "--batch-size", "4",
        "--steps-per-epoch", str(SRCNN_STEPS), "--epochs", str(SRCNN_EPOCHS),
        "--optimizer", "adam", "--seed", str(seed(2)), "--out", str(out),
    ]  # fmt: skip


MODELS = {
    # model: script, in-process main, arguments, steps/epoch, validating, kills (phases)
    "vdsr": (
        "vdsr.py", vdsr.main, _vdsr_args, VDSR_STEPS, True,
        ["checkpoint write"] * 3 + ["validation"] * 3 + ["step"] * 2
        + ["epoch-end write", "startup"],
    ),
    "srcnn": (
        "srcnn.py", srcnn.main, _srcnn_args, SRCNN_STEPS, False,
        ["step"] * 4 + ["checkpoint write"] * 3 + ["epoch-end write"] * 2 + ["startup"],
    ),
}  # fmt: skip


def _records(out: Path) -> list[dict]:
    """history.jsonl without the seconds trained, which differ from run to run."""
    path = out / "history.jsonl"
    lines = path.read_text().splitlines() if path.exists() else []
    return [{k: v for k, v in json.loads(line).items() if k != "elapsed"} for line in lines]


def _killed_run(model: str, data: Path, root: Path):
    script, _, args, spe, validating, phases = MODELS[model]
    reference = root / model / "reference"
    watch = Watch(reference)
    straight = Victim(script, args(data, reference), watch)
    try:
        assert straight.finish() == 0, straight.stderr[-3000:]
    finally:
        straight.kill_now()
        watch.close()
    per_step = "--checkpoint-minutes" in args(data, reference)
    timing = measure(straight.events, spe, per_step)
    expected = _records(reference)

    def check_history(out: Path) -> None:  # a prefix of the uninterrupted run's: no duplicate
        got = _records(out)
        assert got == expected[: len(got)], f"{model} history after a kill: {got}"

    r = rng(20 if model == "vdsr" else 21)
    first = Kill("checkpoint write", 0, KILL, "temp") if model == "vdsr" else None
    # aimed no later than 3 epochs before the end: a kill lands at its first chance at or after
    # its step, which the kills before it may push later, and a stop asked during the last
    # epoch's end would only let the run finish
    epochs = VDSR_EPOCHS if model == "vdsr" else SRCNN_EPOCHS
    kills = _plan(r, phases, spe * (epochs - 3), first, not per_step)
    out = root / model / "killed"
    landings = drive(model, script, args(data, out), out, kills, spe, validating, timing,
                     check_history)  # fmt: skip
    return reference, out, landings, timing


@pytest.fixture(scope="module")
def killed(data, tmp_path_factory):
    """Each model's uninterrupted run, its killed run resumed to the end, and the landings."""
    root = tmp_path_factory.mktemp("kills")
    with ThreadPoolExecutor(2) as pool:
        jobs = {m: pool.submit(_killed_run, m, data, root) for m in MODELS}
        runs = {m: job.result() for m, job in jobs.items()}
    for model, (_, out, landings, _) in runs.items():  # the last resume, in this process
        _, main, args, spe, *_ = MODELS[model]
        err, last = io.StringIO(), landings[-1]
        argv = ["--out", str(out), "--resume"] if last.newest is not None else args(data, out)
        with redirect_stderr(err):
            assert main(argv) == 0, err.getvalue()[-3000:]
        check_start(err.getvalue(), last.newest or 0, last.damaged, spe, f"{model} last resume")
    return runs


@pytest.mark.parametrize("model", list(MODELS))
def test_a_run_killed_again_and_again_ends_as_an_uninterrupted_one(killed, model):
    reference, out, landings, _ = killed[model]
    assert len(landings) == (11 if model == "vdsr" else 10)  # the start's first write, and 10
    assert_same_weights(out / "last.weights.h5", reference / "last.weights.h5")
    if model == "vdsr":
        assert_same_weights(out / "best.weights.h5", reference / "best.weights.h5")
    epochs = VDSR_EPOCHS if model == "vdsr" else SRCNN_EPOCHS
    assert [rec["epoch"] for rec in _records(out)] == list(range(1, epochs + 1))
    assert _records(out) == _records(reference)  # every line as the uninterrupted run wrote it


@pytest.mark.parametrize("model", list(MODELS))
def test_what_the_kills_leave_is_whole_or_a_temporary_name(killed, model):
    """Files under their own names read back; anything else a kill left is a temporary name
    that nothing reads (listed in the test's output)."""
    _, out, _, _ = killed[model]
    json.loads((out / "config.json").read_text())
    for weights in out.glob("[!.]*.weights.h5"):  # last and best (not a kill's temporary file)
        with h5py.File(weights) as h5:
            assert len(h5.keys()) > 0
    temporary = re.compile(
        r"\.(config\.json|history\.jsonl|(last|best)\.weights\.h5)\..+\.tmp(\.weights\.h5)?"
    )
    names = {"config.json", "history.jsonl", "last.weights.h5", "best.weights.h5", "logs"}
    left = [p.name for p in out.iterdir() if p.name not in names | {"checkpoints"}]
    assert all(temporary.fullmatch(name) for name in left), left
    in_checkpoints = re.compile(r"checkpoint|ckpt-\d+\.(index|data-00000-of-00001)|ckpt-\d+_temp")
    stray = [p.name for p in (out / "checkpoints").iterdir()]
    assert all(in_checkpoints.fullmatch(name) for name in stray), stray
    print(f"\n{model}: left by the kills: {sorted(left)}, checkpoints: {sorted(stray)}")


def test_the_kills_landed_in_every_phase(killed):
    landings = [x for _, _, found, _ in killed.values() for x in found]
    print("\n" + histogram(landings))
    for x in landings:
        print(f"{x.model:5} {signal.Signals(x.kill.signum).name:7} aimed {x.kill.phase} at "
              f"{x.kill.at} ({x.kill.event or '-'}): {x.phase}, {x.detail}; reached {x.reached},"
              f" newest whole {x.newest}, damaged {x.damaged}, stop {x.stopped_at}, history lines "
              f"past it {x.past}, "
              f"{x.seconds:.1f} s")  # fmt: skip
    assert len(landings) >= 20
    phases = [x.phase for x in landings]
    for where in ("step", "checkpoint write", "validation"):
        assert phases.count(where) >= 2, histogram(landings)
    assert set(phases) <= set(PHASES)
    assert any(x.model == "vdsr" and x.phase == "validation" for x in landings)
    stops = [x for x in landings if x.kill.signum != KILL]
    kills = [x for x in landings if x.kill.signum == KILL]
    assert len(stops) >= 5 and len(kills) >= 5
    assert any(x.phase == "checkpoint write" for x in stops)  # a stop asked during a write
    # a SIGKILL that lost steps, redone from the checkpoint before them (checked on resume)
    assert any(x.newest is not None and x.reached > x.newest for x in kills)
    # a kill after an epoch's history line and before its checkpoint: resume drops the line
    assert any(x.past > 0 for x in kills)
