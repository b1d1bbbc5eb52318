"""`rnnplay train` as a user runs it: book lines, JSON lines, and one-line errors.

In this process (run_main) but for Ctrl-C, where the signal to a process of its own is the point.
"""

from __future__ import annotations

import json
import signal
from types import SimpleNamespace

import pytest
from helpers import run_main, start_cli

SMALL = ("--max-chars", "2000", "--hidden", "32", "--batch-size", "8", "--num-steps", "10",
         "--threads", "1")


def test_book_lines_and_predictions(jaychou, capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, err = run_main(capsys, "train", *SMALL, "--epochs", "4", "--pred-period", "2",
                                 "--pred-len", "5")
    assert code == 0, err
    lines = stdout.splitlines()
    assert lines[0].startswith("training scratch on jaychou (2000 characters, vocabulary ")
    assert lines[1].startswith("epoch 2, perplexity ") and lines[1].endswith(" sec")
    assert lines[2].startswith(" - 分开") and len(lines[2]) == len(" - 分开") + 5
    assert lines[3].startswith(" - 不分开")
    assert lines[4].startswith("epoch 4, perplexity ")


def test_jsonl_to_stdout(jaychou, capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, err = run_main(capsys, "train", *SMALL, "--epochs", "3", "--pred-period", "3",
                                 "--jsonl", "-", "--model", "gru")
    assert code == 0, err
    records = [json.loads(line) for line in stdout.splitlines()]
    epochs = [r for r in records if r["type"] == "epoch"]
    assert [r["epoch"] for r in epochs] == [1, 2, 3]
    assert all({"perplexity", "seconds", "chars_per_sec", "grad_norm"} <= set(r) for r in epochs)
    assert [r["prefix"] for r in records if r["type"] == "prediction"] == ["分开", "不分开"]


def test_errors_are_one_clear_line_without_traceback(
    tmp_path, jaychou, capsys: pytest.CaptureFixture[str]
) -> None:
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
        try:
            code, _, err = run_main(capsys, "train", *args)
        except SystemExit as usage:  # argparse's usage error, exit status 2 in a process
            code, err = usage.code, capsys.readouterr().err
        assert code == 2, (args, err)
        assert needle in err and "Traceback" not in err, err


def test_divergence_exits_with_a_message(jaychou, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_main(capsys, "train", *SMALL, "--epochs", "3", "--lr", "1e7")
    assert code == 3
    assert "training diverged" in err and "Traceback" not in err


def test_ctrl_c_stops_between_batches_and_still_saves(tmp_path, jaychou) -> None:
    from engine.session import load_session

    path = tmp_path / "run.rnnplay"
    proc = start_cli("train", *SMALL, "--epochs", "100000", "--save", str(path), "--jsonl", "-")
    assert proc.stdout.readline().startswith('{"type": "epoch"')  # training is under way
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "stopping after this batch" in err and "Traceback" not in err
    assert load_session(path).state["step"] >= 1


def test_validation_and_the_epoch_cap_in_the_lines_and_the_records(
    jaychou, capsys: pytest.CaptureFixture[str]
) -> None:
    code, stdout, err = run_main(capsys, "train", *SMALL, "--epochs", "2", "--pred-period", "0",
                                 "--epoch-batches", "3", "--jsonl", "-")
    assert code == 0, err
    epochs = [json.loads(line) for line in stdout.splitlines()]
    assert [r["step"] for r in epochs] == [3, 6]
    for r in epochs:
        assert r["val_perplexity"] > 1 and 0 <= r["clipped_share"] <= 1
        assert len(r["grad_through_time"]) == 10 and all(g > 0 for g in r["grad_through_time"])
    _, book, _ = run_main(capsys, "train", *SMALL, "--epochs", "2", "--pred-period", "0",
                          "--epoch-batches", "3")
    lines = book.splitlines()
    assert "at most 3 batches an epoch" in lines[0]
    assert "validation on the 1,000 characters after the training text" in lines[0]
    assert lines[1].startswith("epoch 2, perplexity ") and ", val perplexity " in lines[1]
    off = run_main(capsys, "train", *SMALL, "--epochs", "1", "--val-chars", "0")[1].splitlines()
    assert "validation" not in off[0] and "val perplexity" not in off[1]


def test_a_whole_file_says_what_training_gives_up(
    tiny_corpus, capsys: pytest.CaptureFixture[str]
) -> None:
    code, stdout, err = run_main(capsys, "train", "--corpus", str(tiny_corpus), "--max-chars", "0",
                                 "--hidden", "8", "--batch-size", "2", "--num-steps", "5",
                                 "--epochs", "1", "--threads", "1")
    assert code == 0, err
    n = len(tiny_corpus.read_text(encoding="utf-8"))
    assert (f"validation on the last {n // 10:,} characters (10%); training uses the first "
            f"{n - n // 10:,}") in stdout.splitlines()[0]


def test_samples_by_time_are_placed_by_their_step() -> None:
    from engine.training.events import EpochEnd, Sample
    from rnnplay.train_run import Reporter

    lines: list[str] = []
    book = SimpleNamespace(write=lines.append)
    reporter = Reporter(book)  # type: ignore[arg-type]
    reporter.pred_period = 10

    def end(epoch: int, step: int) -> EpochEnd:
        return EpochEnd(epoch, 20, 9.5, 0.5, 100.0, 0.1, 1.0, val_perplexity=12.25, step=step)

    for event in (Sample(0, "a", "ab", step=7), Sample(0, "b", "bc", step=7),  # mid-epoch
                  end(1, 24), Sample(1, "a", "ac", step=24),  # at an epoch end, by time
                  end(10, 240), Sample(10, "a", "ad", step=240)):  # every pred_period epochs
        reporter(event)
    assert lines == [
        "step 7 (in epoch 1)", " - ab", " - bc",
        "epoch 1, perplexity 9.50, val perplexity 12.25, time 0.50 sec", " - ac",
        "epoch 10, perplexity 9.50, val perplexity 12.25, time 0.50 sec", " - ad",
    ]


def test_the_epoch_a_run_starts_to_overfit_is_said_once_on_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from engine.training.events import EpochEnd
    from engine.training.overfitting import BaselineWatch
    from rnnplay.train_run import Reporter

    lines: list[str] = []
    reporter = Reporter(SimpleNamespace(write=lines.append))  # type: ignore[arg-type]
    reporter.overfit = BaselineWatch(40)
    for epoch, (train, held) in enumerate([(30.0, 12.0), (5.0, 45.0), (2.0, 90.0)], start=1):
        reporter(EpochEnd(epoch, 3, train, 0.5, 100.0, 0.1, 1.0, val_perplexity=held))
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("rnnplay train: held-out perplexity 45 at epoch 2")
    assert "uniform baseline (40)" in err[0] and "overfits" in err[0], err
    assert lines[-1].startswith("epoch 3, perplexity 2.00, val perplexity 90.00"), lines
