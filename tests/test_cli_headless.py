"""`rnnplay train` keeps its training when its outputs vanish or a signal arrives, whenever."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from helpers import run_cli, run_main, start_cli
from tmpfs import tiny_tmpfs

from engine.session import load_session

SMALL = ("--max-chars", "2000", "--hidden", "32", "--batch-size", "8", "--num-steps", "10",
         "--threads", "1", "--device", "cpu")


def test_a_closed_stdout_still_saves(tmp_path: Path, jaychou) -> None:
    # `rnnplay train ... --save s | head -1`: the reader goes away after one line.
    path = tmp_path / "s.rnnplay"
    proc = start_cli("train", *SMALL, "--epochs", "30", "--pred-period", "1", "--save", str(path))
    assert proc.stdout.readline().startswith("training scratch")
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 0, err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert "cannot write to stdout" in err
    assert load_session(path).state["epoch"] == 30


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_stop_between_batches_and_save(sig, tmp_path: Path, jaychou) -> None:
    path = tmp_path / "run.rnnplay"
    proc = start_cli("train", *SMALL, "--epochs", "100000", "--save", str(path), "--jsonl", "-")
    assert proc.stdout.readline().startswith('{"type": "epoch"')  # training is under way
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, err
    assert "stopping after this batch" in err and "Traceback" not in err, err
    assert load_session(path).state["step"] >= 1


def test_a_second_ctrl_c_during_the_final_save_neither_tracebacks_nor_loses_it(
    tmp_path: Path, jaychou
) -> None:
    # Tiny batches of a big model: a batch takes a few milliseconds, a save (50 MB, hashed and
    # fsynced) far longer, so Ctrl-C pressed again and again lands in the save (with 1536
    # hidden units the save was quick enough on a quiet machine to end before the second one).
    # No held-out perplexity: at this model size it is 100+ ms at each epoch's end, and a
    # second Ctrl-C there would rightly abort before any save. 100 characters: the first epoch
    # (16 batches) is under way within a second; 600 took ~5 CPU-seconds more to the first line.
    path = tmp_path / "big.rnnplay"
    proc = start_cli("train", "--max-chars", "100", "--hidden", "3072", "--batch-size", "2",
                     "--num-steps", "3", "--threads", "1", "--device", "cpu", "--epochs", "100000",
                     "--save", str(path), "--jsonl", "-", "--val-chars", "0")
    assert proc.stdout.readline().startswith('{"type": "epoch"')
    proc.send_signal(signal.SIGINT)
    # The batch in progress ends, training stops, the save begins: its temporary file appears
    # (a fixed wait was too short when another test process shared the cores).
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".big.rnnplay*.tmp")) and proc.poll() is None:
        assert time.monotonic() < deadline, "the save never began"
        time.sleep(0.001)
    while proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        time.sleep(0.005)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "finishing up" in err, err
    assert load_session(path).state["step"] >= 1


def test_an_unusable_save_path_is_refused_before_training(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], jaychou
) -> None:
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    cases = [
        (Path("/proc/s.rnnplay"), "cannot save to /proc/s.rnnplay"),  # even root cannot
        (a_file / "s.rnnplay", "is not a folder"),
        (tmp_path, "is a directory"),
    ]
    for path, needle in cases:
        code, out, err = run_main(capsys, "train", *SMALL, "--epochs", "3", "--save", str(path))
        assert code == 2, (path, err)
        assert needle in err and "Traceback" not in err, err
        assert out == ""  # no epoch was trained


def test_jsonl_on_a_full_disk_keeps_training_and_saves(tmp_path: Path, jaychou) -> None:
    path = tmp_path / "s.rnnplay"
    with tiny_tmpfs(size_kib=64) as disk:
        log = disk / "log.jsonl"
        # Each epoch writes two 3,000-character predictions (~18 kB): the disk is full by the
        # fourth epoch of six, and two more train and save after it.
        out = run_cli("train", *SMALL, "--epochs", "6", "--pred-period", "1", "--pred-len",
                      "3000", "--jsonl", str(log), "--save", str(path))
        assert out.returncode == 0, out.stderr
        assert "No space left on device" in out.stderr and "Traceback" not in out.stderr
        assert "Exception ignored" not in out.stderr, out.stderr
    session = load_session(path)
    assert session.state["epoch"] == 6 and len(session.state["history"]) == 6
