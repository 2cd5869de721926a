"""Download or install the super-resolution image sets and verify them by SHA-256.

    python data/download.py fetch  --dest data/datasets              # from the public copies
    python data/download.py fetch  --dest data/datasets --source DIR # from a local copy
    python data/download.py verify --dest data/datasets              # check what is there

Files are checked against ``data/checksums.tsv`` (set, file, bytes, SHA-256), the exact files
that reproduce the published bicubic table. Every file is written atomically, so an
interrupted download never leaves a half-written image behind.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHECKSUMS = HERE / "checksums.tsv"

#: Where each set is fetched from: (repository, commit, folder), files named as in checksums.tsv.
SOURCES = {
    "Set5": ("majedelhelou/denoising_datasets", "d3636716c8e3fb806f4395bbb3f2e4c0fde50700", "Set5"),
    "Set14": (
        "majedelhelou/denoising_datasets",
        "d3636716c8e3fb806f4395bbb3f2e4c0fde50700",
        "Set14",
    ),
    "T91": (
        "jiny2001/dcscn-super-resolution",
        "27d8f11cd8b5d58de0b91128b4b6c72375c69e16",
        "data/yang91",
    ),
    "BSDS200": (
        "jiny2001/dcscn-super-resolution",
        "27d8f11cd8b5d58de0b91128b4b6c72375c69e16",
        "data/bsd200",
    ),
}
RAW_URL = "https://raw.githubusercontent.com/{repo}/{commit}/{folder}/{file}"


class DataError(Exception):
    """A problem the user can fix; the message is one line."""


def read_checksums(path: Path = CHECKSUMS) -> dict[str, list[tuple[str, int, str]]]:
    """``{set: [(file, bytes, sha256), ...]}`` from the checksum table."""
    table: dict[str, list[tuple[str, int, str]]] = {}
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            table.setdefault(row["set"], []).append((row["file"], int(row["bytes"]), row["sha256"]))
    return table


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(dest: Path, sets: list[str], table) -> list[str]:
    """Problems found under ``dest/<set>/``, one string each; empty when everything matches."""
    problems = []
    for name in sets:
        for file, _, expected in table[name]:
            path = dest / name / file
            if not path.is_file():
                problems.append(f"{name}/{file}: missing")
            elif sha256(path) != expected:
                problems.append(f"{name}/{file}: SHA-256 mismatch")
    return problems


def _install(data: bytes, target: Path, expected: str) -> None:
    if hashlib.sha256(data).hexdigest() != expected:
        raise DataError(
            f"{target.parent.name}/{target.name}: downloaded file has the wrong SHA-256"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.part")
    tmp.write_bytes(data)
    tmp.replace(target)


def fetch(dest: Path, sets: list[str], table, source: Path | None) -> int:
    """Fetch each missing or wrong file from ``source`` (a local copy) or the public copies."""
    count = 0
    for name in sets:
        for file, _, expected in table[name]:
            target = dest / name / file
            if target.is_file() and sha256(target) == expected:
                continue
            data = _read_local(source, name, file) if source else _download(name, file)
            _install(data, target, expected)
            count += 1
        print(f"{name}: {len(table[name])} files verified", file=sys.stderr)
    return count


def _read_local(source: Path, name: str, file: str) -> bytes:
    for candidate in (source / name / file, source / file):
        if candidate.is_file():
            return candidate.read_bytes()
    raise DataError(f"{name}/{file}: not found under {source}")


def _download(name: str, file: str) -> bytes:
    repo, commit, folder = SOURCES[name]
    url = RAW_URL.format(repo=repo, commit=commit, folder=folder, file=file)
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.read()
    except OSError as err:
        raise DataError(f"{name}/{file}: download failed ({err}); see data/README.md") from err


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="download", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("fetch", "verify"))
    parser.add_argument("--dest", type=Path, default=HERE / "datasets", help="datasets folder")
    parser.add_argument("--sets", nargs="+", default=list(SOURCES), choices=list(SOURCES))
    parser.add_argument("--source", type=Path, help="install from this local copy instead")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    table = read_checksums()
    try:
        if args.command == "fetch":
            fetched = fetch(args.dest, args.sets, table, args.source)
            print(f"{fetched} files written to {args.dest}", file=sys.stderr)
        problems = verify(args.dest, args.sets, table)
    except (DataError, OSError) as err:
        print(f"download: error: {err}", file=sys.stderr)
        return 1
    for problem in problems:
        print(problem)
    total = sum(len(table[s]) for s in args.sets)
    print(f"{total - len(problems)}/{total} files verified in {args.dest}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
