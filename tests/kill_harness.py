"""Stop a training process from outside at a chosen moment, and say where the stop landed.

A :class:`Victim` is a real ``python scripts/MODEL.py ...`` process whose run folder is watched
with inotify (Linux) and whose stderr is read as it comes. When the chosen event arrives (a
checkpoint's temporary folder, its data file renamed into place, its index closed, the
``checkpoint`` state file renamed, a history or weights temporary file, an epoch's progress bar,
an epoch's history line on stderr) the harness waits a drawn delay, freezes the process with
SIGSTOP, waits until every thread is stopped and drains every event up to that instant (a stopped
process writes nothing, and inotify events are queued by the system call itself). The events
of the process name the phase it was frozen in (:func:`phase`); then it gets the chosen signal:
SIGKILL, or SIGTERM / SIGINT followed by SIGCONT.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import select
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# inotify(7) event bits
IN_CLOSE_WRITE, IN_MOVED_TO, IN_CREATE, IN_DELETE = 0x8, 0x80, 0x100, 0x200
IN_ISDIR, IN_Q_OVERFLOW = 0x40000000, 0x4000
_MASK = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE
_HEADER = struct.Struct("iIII")  # wd, mask, cookie, len

BAR = re.compile(r"epoch (\d+)/(\d+):\s+\d+%\|[^|]*\|\s*(\d+)/(\d+)")
SAVE_DIR = re.compile(r"(?:.*/)?checkpoints/ckpt-(\d+)_temp$")
PHASES = ("startup", "step", "checkpoint write", "validation", "epoch-end write")


@dataclass(frozen=True)
class Event:
    """``kind``: create, mkdir, close, moved, delete (``path`` relative to the run folder) or
    stderr (``path`` is one piece of stderr between carriage returns / newlines)."""

    t: float
    kind: str
    path: str


class Watch:
    """inotify on a run folder, its ``checkpoints/`` and ``.worker-N/`` folders as they appear."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._libc = ctypes.CDLL(None, use_errno=True)
        self.fd = self._libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1")
        self._dirs: dict[int, str] = {}
        self._add("")

    def _add(self, rel: str) -> None:
        wd = self._libc.inotify_add_watch(self.fd, os.fsencode(self.root / rel), _MASK)
        if wd < 0:
            raise OSError(ctypes.get_errno(), f"inotify_add_watch {rel}")
        self._dirs[wd] = rel
        for entry in os.scandir(self.root / rel):  # made before the watch existed
            if entry.is_dir() and _watched(entry.name):
                self._add(f"{rel}/{entry.name}".lstrip("/"))

    def read(self) -> list[Event]:
        out = []
        while True:
            try:
                data = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                return out
            now, offset = time.monotonic(), 0
            while offset < len(data):
                wd, mask, _, size = _HEADER.unpack_from(data, offset)
                raw = data[offset + _HEADER.size : offset + _HEADER.size + size]
                offset += _HEADER.size + size
                assert not mask & IN_Q_OVERFLOW, "inotify queue overflow: events were lost"
                name = raw.rstrip(b"\0").decode()
                if wd not in self._dirs or not name:
                    continue
                rel = f"{self._dirs[wd]}/{name}".lstrip("/")
                if mask & IN_CREATE and mask & IN_ISDIR:
                    out.append(Event(now, "mkdir", rel))
                    if _watched(name):
                        self._add(rel)
                    continue
                kind = {IN_CREATE: "create", IN_CLOSE_WRITE: "close", IN_MOVED_TO: "moved"}
                kind[IN_DELETE] = "delete"
                for bit, word in kind.items():
                    if mask & bit:
                        out.append(Event(now, word, rel))

    def close(self) -> None:
        os.close(self.fd)


def _watched(name: str) -> bool:
    return name == "checkpoints" or name.startswith(".worker-")


class Victim:
    """``python scripts/SCRIPT ARGS`` with its stderr and its run folder's events recorded."""

    def __init__(self, script: str, args: list[str], watch: Watch, env: dict | None = None):
        self.watch = watch
        watch.read()  # drop what an earlier process left in the queue
        self.events: list[Event] = []
        self.stderr = ""
        self.started = time.monotonic()
        cmd = [sys.executable, str(REPO / "scripts" / script), *args]
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env or os.environ.copy()
        )
        self._err = self.proc.stderr.fileno()
        os.set_blocking(self._err, False)
        self._eof = False

    @property
    def pid(self) -> int:
        return self.proc.pid

    # -- events --------------------------------------------------------------------------------
    def _read_stderr(self) -> list[Event]:
        out = []
        while not self._eof:
            try:
                chunk = os.read(self._err, 1 << 16)
            except BlockingIOError:
                break
            if not chunk:
                self._eof = True
                break
            text = chunk.decode(errors="replace")
            self.stderr += text
            now = time.monotonic()
            # tqdm writes a whole frame per write, so each piece is reported at once
            for piece in re.split(r"[\r\n]", text):
                if piece.strip():
                    out.append(Event(now, "stderr", piece))
        return out

    def poll(self, timeout: float) -> list[Event]:
        """New events, waiting up to ``timeout`` seconds for the first."""
        fds = [self.watch.fd] + ([] if self._eof else [self._err])
        select.select(fds, [], [], timeout)
        new = self.watch.read() + self._read_stderr()
        self.events += new
        return new

    def until(self, trigger: Callable[[Event, list[Event]], bool], limit: float = 300) -> bool:
        """Read events until ``trigger(event, events so far)`` holds (True), or the process ends
        (False)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            done = self.proc.poll() is not None
            for event in self.poll(0.02):
                if trigger(event, self.events):
                    return True
            if done:
                self.events += self.watch.read() + self._read_stderr()
                return False
        raise TimeoutError(f"no trigger within {limit} s; stderr:\n{self.stderr[-3000:]}")

    # -- signals -------------------------------------------------------------------------------
    def freeze(self) -> bool:
        """SIGSTOP, wait until every thread is stopped, drain the events; False if it had
        already ended."""
        if self.proc.poll() is not None:
            return False
        os.kill(self.pid, signal.SIGSTOP)
        deadline = time.monotonic() + 10
        while not _all_stopped(self.pid):
            if self.proc.poll() is not None:
                return False
            assert time.monotonic() < deadline, "the process did not stop"
            time.sleep(0.0002)
        self.events += self.watch.read() + self._read_stderr()
        return True

    def send(self, signum: int) -> None:
        """``signum`` to the frozen process, which is then let go."""
        os.kill(self.pid, signum)
        if signum != signal.SIGKILL:
            os.kill(self.pid, signal.SIGCONT)

    def finish(self, limit: float = 300) -> int:
        """Read until the process ends; its exit code."""
        deadline = time.monotonic() + limit
        while self.proc.poll() is None:
            assert time.monotonic() < deadline, f"still running; stderr:\n{self.stderr[-3000:]}"
            self.poll(0.05)
        while not self._eof:
            self.poll(0.05)
        self.events += self.watch.read()
        self.proc.stderr.close()
        return self.proc.returncode

    def kill_now(self) -> None:
        """Cleanup: SIGKILL if still running (tests end their processes even when failing)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def _all_stopped(pid: int) -> bool:
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return True
    for tid in tasks:
        try:
            stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if stat.rsplit(")", 1)[1].split()[0] not in ("T", "t", "Z", "X"):
            return False
    return True


# -- reading the events back -----------------------------------------------------------------------
@dataclass
class Save:
    """One checkpoint write seen in the events: its number, whether it is an epoch end's, the
    events inside it, and whether it finished (TensorFlow renames the state file twice)."""

    number: int
    epoch_end: bool
    events: list[Event] = field(default_factory=list)
    state_writes: int = 0

    @property
    def done(self) -> bool:
        return self.state_writes >= 2


def saves(events: list[Event]) -> list[Save]:
    """The checkpoint writes of a process, in order."""
    out: list[Save] = []
    epoch_end_pending = False
    for event in events:
        match = SAVE_DIR.fullmatch(event.path) if event.kind == "mkdir" else None
        if match:
            out.append(Save(int(match.group(1)), epoch_end_pending, [event]))
            epoch_end_pending = False
        elif out and not out[-1].done and "checkpoints/" in event.path:
            out[-1].events.append(event)
            if event.kind == "moved" and event.path.endswith("checkpoints/checkpoint"):
                out[-1].state_writes += 1
        elif event.kind == "moved" and event.path.endswith("last.weights.h5"):
            epoch_end_pending = True  # the checkpoint of this epoch end comes next
    return out


def phase(events: list[Event], steps_per_epoch: int, validating: bool) -> tuple[str, str]:
    """``(phase, detail)`` of a process frozen after ``events`` (one of :data:`PHASES`).

    startup: before its first step (restore, tracing, the start's checkpoint); step: between
    a step's start and its checkpoint (or the epoch end); checkpoint write: from a checkpoint's
    temporary folder to its second state-file rename; validation: after the checkpoint of an
    epoch's last step until the history file is written (best weights included); epoch-end
    write: the history line and the last weights.
    """
    state, detail = "startup", "before the first step"
    save: Save | None = None
    for event in events:
        name = event.path.rsplit("/", 1)[-1]
        if event.kind == "mkdir" and SAVE_DIR.fullmatch(event.path):
            kind = "epoch end" if state == "epoch-end write" else "step"
            save = Save(int(SAVE_DIR.fullmatch(event.path).group(1)), kind == "epoch end")
            state, detail = "checkpoint write", f"ckpt-{save.number} ({kind}): temp folder"
        elif save is not None and "checkpoints/" in event.path:
            if event.kind == "moved" and name == "checkpoint":
                save.state_writes += 1
            if not save.done:
                detail = detail.split(":")[0] + f": {event.kind} {name}"
                continue
            n, end = save.number, save.epoch_end
            save = None
            if n == 0:
                state, detail = "startup", "after the first checkpoint"
            elif n % steps_per_epoch == 0 and not end:
                state = "validation" if validating else "epoch-end write"
                detail = f"after step {n}"
            else:
                state, detail = "step", f"step {n + 1}"
        elif event.kind == "create" and name.startswith(".best.weights.h5."):
            state, detail = "validation", "best weights"
        elif event.kind == "create" and name.startswith((".history.jsonl.", ".last.weights.h5.")):
            if state != "startup":
                state, detail = "epoch-end write", name.split(".")[1]
        elif event.kind == "create" and name.startswith(".config.json."):
            state, detail = "startup", "config"
        elif event.kind == "stderr" and state == "startup" and BAR.search(event.path):
            state, detail = "step", "first steps"
        elif event.kind == "stderr" and event.path.startswith('{"epoch"'):
            state, detail = "epoch-end write", "history line printed"
    return state, detail


def start_position(stderr: str, steps_per_epoch: int) -> int | None:
    """The global step a process started training from: its first progress bar (shown at
    its first step, with the steps already done in that epoch) or, when it resumed at an
    epoch's end, its first history line; None if it got to neither."""
    for piece in re.split(r"[\r\n]", stderr):
        bar = BAR.search(piece)
        if bar:
            return (int(bar.group(1)) - 1) * steps_per_epoch + int(bar.group(3))
        if piece.startswith('{"epoch"'):
            return json.loads(piece)["global_step"]
    return None


def readable_checkpoints(directory: Path) -> list[int]:
    """Numbers of the checkpoints in ``directory`` whose every tensor reads back (TensorFlow
    checks each one's CRC), newest first."""
    import tensorflow as tf

    found = []
    for index in directory.glob("ckpt-*.index"):
        prefix = str(index.with_suffix(""))
        try:
            reader = tf.train.load_checkpoint(prefix)
            for key in reader.get_variable_to_shape_map():
                reader.get_tensor(key)
        except Exception:  # noqa: BLE001 - any failure to read is a damaged checkpoint
            continue
        found.append(int(index.stem.split("-")[1]))
    return sorted(found, reverse=True)


def progress(events: list[Event], steps_per_epoch: int) -> int:
    """The furthest global step the events show: a checkpoint's number, or an epoch's progress
    bar (its first frame is drawn after the epoch's first step here, showing the steps before
    it; later frames show the steps done)."""
    furthest, seen = 0, set()
    for event in events:
        match = SAVE_DIR.fullmatch(event.path) if event.kind == "mkdir" else None
        if match:
            furthest = max(furthest, int(match.group(1)))
        bar = BAR.search(event.path) if event.kind == "stderr" else None
        if bar:
            epoch, done = int(bar.group(1)), int(bar.group(3))
            done += epoch not in seen  # the first frame: the step just taken is not counted yet
            seen.add(epoch)
            furthest = max(furthest, (epoch - 1) * steps_per_epoch + done)
    return furthest


# -- kills chosen in advance -----------------------------------------------------------------
@dataclass(frozen=True)
class Kill:
    """A kill to land in ``phase`` at its first chance at or after global step ``at``, with
    ``signum``. ``event`` picks the triggering event of a write (checkpoint: temp, data, index,
    state, sweep; epoch end: history, last), ``epoch_end`` whether the checkpoint is an epoch
    end's, and ``frac`` the delay after the trigger as a fraction of its window (:func:`window`).
    """

    phase: str
    at: int
    signum: int
    event: str = ""
    epoch_end: bool = False
    frac: float = 0.0


@dataclass(frozen=True)
class Timing:
    """The shortest step and validation of an uninterrupted run (seconds), see :func:`measure`."""

    step: float
    validation: float


WRITE_WINDOW = 1e-3  # seconds after a write's event, still inside the write (they take 5-40 ms)


def measure(events: list[Event], steps_per_epoch: int, per_step: bool) -> Timing:
    """Step and validation lengths of a process that ran to the end: with a checkpoint per
    step, a step is the time from one checkpoint's end to the next one's start, a validation
    from the checkpoint of an epoch's last step to its history file; without, an epoch's
    steps after the first one run from its progress bar to its history file."""
    steps, validations = [], []
    done = [s for s in saves(events) if s.done and s.number > 0]
    history = [e.t for e in events if e.kind == "create" and ".history.jsonl." in e.path]
    if per_step:
        for before, after in zip(done, done[1:], strict=False):
            ends = before.number % steps_per_epoch == 0 and not before.epoch_end
            if not ends and not after.epoch_end:
                steps.append(after.events[0].t - before.events[-1].t)
            if ends:
                later = [t for t in history if t > before.events[-1].t]
                validations.append(later[0] - before.events[-1].t)
    else:
        bars = {}
        for e in events:
            bar = BAR.search(e.path) if e.kind == "stderr" else None
            if bar and int(bar.group(3)) == 0:
                bars.setdefault(int(bar.group(1)), e.t)
        for t in bars.values():
            later = [h for h in history if h > t]
            steps.append((later[0] - t) / (steps_per_epoch - 1))
    return Timing(min(steps), min(validations) if validations else 0.0)


def window(kill: Kill, event: Event, events: list[Event], spe: int, per_step: bool, timing: Timing):
    """The delay budget (seconds) if ``event`` triggers ``kill``, else None."""
    name = event.path.rsplit("/", 1)[-1]
    done = saves(events)
    save = done[-1] if done else None
    mine = save is not None and save.events[-1] is event  # the event belongs to that save
    if kill.phase == "checkpoint write":
        if not mine or save.number < kill.at or save.epoch_end != kill.epoch_end:
            return None
        hit = {
            "temp": event.kind == "mkdir",
            "data": event.kind == "moved" and ".data-" in name,
            "index": event.kind == "close" and name == f"ckpt-{save.number}.index",
            "state": event.kind == "moved" and name == "checkpoint" and save.state_writes == 1,
            "sweep": event.kind == "delete" and name.endswith(".index"),
        }[kill.event]
        return WRITE_WINDOW if hit else None
    if kill.phase in ("validation", "step") and per_step:
        if not mine or not save.done or save.number == 0:
            return None  # only the end of a checkpoint (its second state-file rename)
        ends = save.number % spe == 0 and not save.epoch_end
        if kill.phase == "validation" and ends and save.number >= kill.at:
            return timing.validation / 2
        if kill.phase == "step" and not ends and save.number + 1 >= kill.at:
            return timing.step / 2
        return None
    if kill.phase == "step":  # no checkpoint per step: from an epoch's progress bar
        bar = BAR.search(event.path) if event.kind == "stderr" else None
        if not bar or (int(bar.group(1)) - 1) * spe + int(bar.group(3)) + 1 < kill.at:
            return None
        left = spe - int(bar.group(3)) - 1  # steps still to come in that epoch
        return left * timing.step / 2 if left >= 2 else None
    if kill.phase == "epoch-end write":
        prefix = ".history.jsonl." if kill.event == "history" else ".last.weights.h5."
        if event.kind != "create" or not name.startswith(prefix):
            return None
        trained = any(e.kind == "stderr" and BAR.search(e.path) for e in events)
        return WRITE_WINDOW if trained and progress(events, spe) >= kill.at else None
    if kill.phase == "startup":
        return 0.0 if event.kind == "create" and name.startswith(".config.json.") else None
    raise ValueError(kill.phase)


def stop_range(landed: str, events: list[Event], start: int, spe: int, per_step: bool):
    """``(first, last)`` global step where a SIGTERM/SIGINT that landed in ``landed`` must
    stop: the first step boundary whose stop check follows the signal. Exact for a checkpoint
    write (the check came before it), a validation and an epoch-end write (the next epoch's
    first step); a step may end between the signal and the check, so one more is allowed."""
    done = [s for s in saves(events) if s.number > 0]
    here = max(start, progress(events, spe))
    end = -(-here // spe) * spe  # the epoch's last step
    if landed == "checkpoint write":
        return done[-1].number + 1, done[-1].number + 1
    if landed in ("validation", "epoch-end write"):
        return end + 1, end + 1
    if landed == "step" and per_step:
        last = max([start] + [s.number for s in done if s.done])
        return last + 1, last + 2
    if landed == "step":
        return here + 1, end + 1
    raise AssertionError(f"no stop expected from {landed}")


# -- a run killed again and again ------------------------------------------------------------
STOP_LINE = re.compile(r"stopped; checkpoint saved \(.*ckpt-(\d+)\), continue with --resume")
DAMAGED = re.compile(r"checkpoint \S*ckpt-(\d+) is damaged")


@dataclass
class Landing:
    """Where one kill landed and what it left: the newest checkpoint that reads back whole
    (None: none), the newer ones that do not, and for a stop the checkpoint it saved."""

    model: str
    kill: Kill
    phase: str
    detail: str
    code: int
    newest: int | None
    damaged: list[int]
    reached: int = 0
    stopped_at: int | None = None
    seconds: float = 0.0
    past: int = 0  # history lines of epochs past the newest whole checkpoint, for resume to drop


def check_start(stderr: str, newest: int, damaged: list[int], spe: int, who: str) -> None:
    """A resumed process said every damaged checkpoint newer than ``newest`` was skipped, and
    (if it got to a step or an epoch end) trained from ``newest``: no step redone before it,
    none skipped."""
    assert sorted(int(n) for n in DAMAGED.findall(stderr)) == damaged, f"{who}:\n{stderr[-3000:]}"
    begun = start_position(stderr, spe)
    assert begun in (None, newest), f"{who} started at step {begun}, not {newest}"


def whole_checkpoints(out: Path) -> tuple[int | None, list[int]]:
    """The newest checkpoint of ``out`` that reads back, and the newer ones that do not."""
    folder = out / "checkpoints"
    readable = readable_checkpoints(folder) if folder.is_dir() else []
    newest = readable[0] if readable else None
    indexed = [int(p.stem.split("-")[1]) for p in folder.glob("ckpt-*.index")]
    damaged = sorted(n for n in indexed if n not in readable and (newest is None or n > newest))
    return newest, damaged


def drive(
    model: str,
    script: str,
    start_args: list[str],
    out: Path,
    kills: list[Kill],
    spe: int,
    validating: bool,
    timing: Timing,
    check_history: Callable[[Path], None],
) -> list[Landing]:
    """Start the run, land each of ``kills`` in turn, and after each one resume it (or, when
    no whole checkpoint is left, start it again with the same command) in a new process."""
    from sr.checkpoints import counters_of

    per_step = "--checkpoint-minutes" in start_args  # a checkpoint after every step
    watch, landings, args = Watch(out), [], start_args
    newest, damaged = None, []
    try:
        for n, kill in enumerate(kills):
            who = f"{model} process {n + 1} ({kill})"
            victim = Victim(script, args, watch)
            delay = []
            try:

                def trigger(event, events, kill=kill, delay=delay):
                    budget = window(kill, event, events, spe, per_step, timing)
                    delay.append(kill.frac * budget if budget is not None else None)
                    return budget is not None

                assert victim.until(trigger), f"{who} ended first:\n{victim.stderr[-3000:]}"
                time.sleep(delay[-1])
                assert victim.freeze(), f"{who} ended first:\n{victim.stderr[-3000:]}"
                frozen = list(victim.events)  # everything up to the freeze
                landed, detail = phase(frozen, spe, validating)
                victim.send(kill.signum)
                code = victim.finish()
            finally:
                victim.kill_now()
            start = newest or 0
            if args is not start_args:
                check_start(victim.stderr, start, damaged, spe, who)
            newest, damaged = whole_checkpoints(out)
            landing = Landing(model, kill, landed, detail, code, newest, damaged)
            landing.reached = max(start, progress(frozen, spe))
            landing.seconds = time.monotonic() - victim.started
            if kill.signum == signal.SIGKILL:
                assert code == -signal.SIGKILL, f"{who}: exit {code}\n{victim.stderr[-3000:]}"
            else:
                assert code == 130, f"{who}: exit {code}\n{victim.stderr[-3000:]}"
                last = victim.stderr.strip().splitlines()[-1]
                landing.stopped_at = int(STOP_LINE.search(last).group(1))
                first, final = stop_range(landed, frozen, start, spe, per_step)
                assert first <= landing.stopped_at <= final, f"{who}: {landing}"
                assert newest == landing.stopped_at, f"{who}: {landing}"  # its own, whole
                counters = counters_of(str(out / "checkpoints" / f"ckpt-{newest}"))
                epoch = (newest - 1) // spe
                expected = {
                    "global_step": newest,
                    "epoch": epoch,
                    "step_in_epoch": newest - epoch * spe,
                }
                assert {k: counters[k] for k in expected} == expected, f"{who}: {counters}"
            check_history(out)
            done = 0 if newest is None else counters_of(f"{out}/checkpoints/ckpt-{newest}")["epoch"]
            landing.past = sum(epoch > done for epoch in history_epochs(out))
            landings.append(landing)
            if newest is None:  # killed in its first checkpoint: nothing to resume from
                assert not (out / "checkpoints" / "checkpoint").exists(), f"{who}: {landing}"
                args = start_args
            else:
                args = ["--resume", "--out", str(out)]
    finally:
        watch.close()
    return landings


def history_epochs(out: Path) -> list[int]:
    """The epochs of ``out/history.jsonl``, in order (none without the file)."""
    path = out / "history.jsonl"
    lines = path.read_text().splitlines() if path.exists() else []
    return [json.loads(line)["epoch"] for line in lines]


def histogram(landings: list[Landing]) -> str:
    """Kills per landing phase and signal, one line each."""
    lines = []
    for where in PHASES:
        hits = [x for x in landings if x.phase == where]
        names = [signal.Signals(x.kill.signum).name for x in hits]
        counts = ", ".join(f"{names.count(s)} {s}" for s in sorted(set(names)))
        lines.append(f"{where:16} {len(hits):3}  {counts}")
    return "\n".join(lines)


# -- single stops at exact moments -------------------------------------------------------------
def stop_from_outside(script: str, args: list[str], out: Path, when, signum: int) -> Victim:
    """Run ``scripts/SCRIPT ARGS`` (run folder ``out``); when ``when(event, events)`` first
    holds, freeze it, send ``signum`` and let it end (exit code in ``.code``, ``.stderr``)."""
    watch = Watch(out)
    victim = Victim(script, args, watch)
    try:
        assert victim.until(when), victim.stderr[-2000:]
        assert victim.freeze(), victim.stderr[-2000:]
        victim.send(signum)
        victim.code = victim.finish()
    finally:
        victim.kill_now()
        watch.close()
    return victim


def writing(number: int, folder: str = ""):
    """Trigger: checkpoint ``ckpt-NUMBER`` (of the run folder's ``folder``) starts being
    written, its temporary folder appears."""
    path = f"{folder}/checkpoints/ckpt-{number}_temp".lstrip("/")
    return lambda event, _: event.kind == "mkdir" and event.path == path


def written(number: int):
    """Trigger: checkpoint ``ckpt-NUMBER`` is written (the second rename of the state file)."""

    def when(event: Event, events: list[Event]) -> bool:
        found = saves(events)
        last = found[-1] if found else None
        return (
            last is not None and last.number == number and last.done and (last.events[-1] is event)
        )

    return when


def bar(epoch: int):
    """Trigger: epoch ``epoch``'s progress bar appears on stderr (after its first step)."""

    def when(event: Event, _) -> bool:
        match = BAR.search(event.path) if event.kind == "stderr" else None
        return match is not None and int(match.group(1)) == epoch

    return when


def created(prefix: str, nth: int):
    """Trigger: the ``nth`` file whose name starts with ``prefix`` is created."""

    def when(event: Event, events: list[Event]) -> bool:
        if event.kind != "create" or not event.path.startswith(prefix):
            return False
        return sum(e.kind == "create" and e.path.startswith(prefix) for e in events) == nth

    return when
