"""Plant each bug of the mutant lists in a scratch copy of the repository and run its function's
own test file: every mutant must be caught (the test file fails).

    python tests/mutants/run.py                 # every list
    python tests/mutants/run.py style imaging   # the lists tests/mutants/style.py, imaging.py
    python tests/mutants/run.py --id style.gram.divisor

Not a test (about 5-20 s per mutant, mostly TensorFlow's import); a reproducible record of what
the unit tests catch. Exit status 1 if a mutant survives or a pattern no longer matches.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
AREAS = sorted(p.stem for p in HERE.glob("*.py") if p.stem not in ("__init__", "run", "mutant"))


def load_mutants(area: str) -> list:
    spec = importlib.util.spec_from_file_location(f"mutants_{area}", HERE / f"{area}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(HERE))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(HERE))
    return list(module.MUTANTS)


def copy_repository(target: Path) -> None:
    """The working tree's tracked and untracked (not ignored) files, as they are now."""
    listing = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listing.split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def run_tests(copy: Path, tests, timeout: float) -> tuple[bool, str]:
    """(failed, first failing test id or reason) for pytest on ``tests`` inside ``copy``."""
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
    try:
        run = subprocess.run(
            command, cwd=copy, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return True, "timeout"
    failed = [line for line in run.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
    return run.returncode != 0, (failed[0].split(" - ")[0] if failed else f"exit {run.returncode}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("areas", nargs="*", help=f"mutant lists to run (of {', '.join(AREAS)})")
    parser.add_argument("--id", action="append", default=[], help="run only these mutants")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per mutant")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.areas) - set(AREAS))
    if unknown:
        parser.error(f"unknown mutant lists {unknown}; choose from {AREAS}")
    mutants = [m for area in (args.areas or AREAS) for m in load_mutants(area)]
    if args.id:
        mutants = [m for m in mutants if m.id in args.id]
    ids = [m.id for m in mutants]
    assert len(set(ids)) == len(ids), "mutant ids must be unique"
    problems = 0
    with tempfile.TemporaryDirectory(prefix="mutants-") as scratch:
        copy = Path(scratch)
        copy_repository(copy)
        check = subprocess.run(
            [sys.executable, "-c", "import imaging; print(imaging.__file__)"],
            cwd=copy,
            env={**os.environ, "PYTHONPATH": str(copy)},
            capture_output=True,
            text=True,
        )
        assert check.stdout.startswith(str(copy)), "the copy's packages must be the ones imported"
        for mutant in mutants:
            target = copy / mutant.path
            original = target.read_text()
            count = original.count(mutant.old)
            if count != 1:
                print(f"PATTERN  {mutant.id}: {mutant.old!r} occurs {count} times in {mutant.path}")
                problems += 1
                continue
            target.write_text(original.replace(mutant.old, mutant.new))
            start = time.monotonic()
            try:
                caught, where = run_tests(copy, mutant.tests, args.timeout)
            finally:
                target.write_text(original)
            seconds = time.monotonic() - start
            verdict = "caught  " if caught else "SURVIVED"
            problems += not caught
            print(f"{verdict} {mutant.id:<40} {seconds:5.1f}s  {where}  ({mutant.why})", flush=True)
    print(f"{len(mutants) - problems} of {len(mutants)} mutants caught")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
