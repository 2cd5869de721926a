"""The dataset helper installs from a local copy and verifies SHA-256 sums."""

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("download", REPO / "data" / "download.py")
download = importlib.util.module_from_spec(spec)
spec.loader.exec_module(download)


def test_checksum_table_lists_the_four_sets():
    table = download.read_checksums()
    assert {k: len(v) for k, v in table.items()} == {
        "Set5": 5,
        "Set14": 14,
        "T91": 91,
        "BSDS200": 200,
    }


def test_install_from_local_copy_then_detect_tampering(data_dir, tmp_path, capsys):
    dest = tmp_path / "datasets"
    argv = ["fetch", "--dest", str(dest), "--sets", "Set5", "--source", str(data_dir)]
    assert download.main(argv) == 0
    assert sorted(p.name for p in (dest / "Set5").iterdir()) == [
        "baby.png", "bird.png", "butterfly.png", "head.png", "woman.png"
    ]  # fmt: skip
    (dest / "Set5" / "bird.png").write_bytes(b"tampered")
    (dest / "Set5" / "head.png").unlink()
    assert download.main(["verify", "--dest", str(dest), "--sets", "Set5"]) == 1
    out = capsys.readouterr().out
    assert "Set5/bird.png: SHA-256 mismatch" in out and "Set5/head.png: missing" in out
    assert download.main(argv) == 0  # repairs exactly the two bad files
    assert "2 files written" in capsys.readouterr().err


def test_wrong_source_file_is_refused_and_not_installed(data_dir, tmp_path, capsys):
    source = tmp_path / "copy" / "Set5"
    source.mkdir(parents=True)
    for path in (data_dir / "Set5").iterdir():
        (source / path.name).write_bytes(path.read_bytes())
    (source / "baby.png").write_bytes(b"not the real baby")
    dest = tmp_path / "datasets"
    code = download.main(
        ["fetch", "--dest", str(dest), "--sets", "Set5", "--source", str(source.parent)]
    )
    assert code == 1
    assert "wrong SHA-256" in capsys.readouterr().err
    assert not (dest / "Set5" / "baby.png").exists()
