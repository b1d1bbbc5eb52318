"""`rnnplay train` as a user runs it: book lines, JSON lines, and one-line errors."""

from __future__ import annotations

import json
import signal
import subprocess
import sys


def _train(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rnnplay", "train", *args],
                          capture_output=True, text=True, timeout=300)


SMALL = ("--max-chars", "2000", "--hidden", "32", "--batch-size", "8", "--num-steps", "10",
         "--threads", "1")


def test_book_lines_and_predictions(jaychou) -> None:
    out = _train(*SMALL, "--epochs", "4", "--pred-period", "2", "--pred-len", "5")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("training scratch on jaychou (2000 characters, vocabulary ")
    assert lines[1].startswith("epoch 2, perplexity ") and lines[1].endswith(" sec")
    assert lines[2].startswith(" - 分开") and len(lines[2]) == len(" - 分开") + 5
    assert lines[3].startswith(" - 不分开")
    assert lines[4].startswith("epoch 4, perplexity ")


def test_jsonl_to_stdout(jaychou) -> None:
    out = _train(*SMALL, "--epochs", "3", "--pred-period", "3", "--jsonl", "-", "--model", "gru")
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    epochs = [r for r in records if r["type"] == "epoch"]
    assert [r["epoch"] for r in epochs] == [1, 2, 3]
    assert all({"perplexity", "seconds", "chars_per_sec", "grad_norm"} <= set(r) for r in epochs)
    assert [r["prefix"] for r in records if r["type"] == "prediction"] == ["分开", "不分开"]


def test_errors_are_one_clear_line_without_traceback(tmp_path, jaychou) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    cases = [
        (("--lr", "-1"), "learning rate"),
        (("--device", "cuda:7"), "not available"),
        (("--corpus", str(tmp_path / "missing.txt")), "missing.txt"),
        (("--corpus", str(empty)), "empty"),
        (("--batch-size", "5000"), "too few"),
    ]
    for args, needle in cases:
        out = _train(*args)
        assert out.returncode == 2, (args, out.stderr)
        assert needle in out.stderr and "Traceback" not in out.stderr, out.stderr


def test_divergence_exits_with_a_message(jaychou) -> None:
    out = _train(*SMALL, "--epochs", "3", "--lr", "1e7")
    assert out.returncode == 3
    assert "training diverged" in out.stderr and "Traceback" not in out.stderr


def test_ctrl_c_stops_between_batches_and_still_saves(tmp_path, jaychou) -> None:
    from engine.session import load_session

    path = tmp_path / "run.rnnplay"
    proc = subprocess.Popen(
        [sys.executable, "-m", "rnnplay", "train", *SMALL, "--epochs", "100000", "--save",
         str(path), "--jsonl", "-"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout.readline().startswith('{"type": "epoch"')  # training is under way
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "stopping after this batch" in err and "Traceback" not in err
    assert load_session(path).state["step"] >= 1
