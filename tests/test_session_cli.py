"""`rnnplay train --save/--save-every/--resume`: the JSONL of N epochs, then a resume to 2N in a
new process, equals 2N epochs straight in every digit; and PeriodicSave, which drives --save-every.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
import torch
from helpers import run_cli, run_main, small_trainer

from engine.data import atomic_write
from engine.data.corpus import load_corpus
from engine.session import PeriodicSave, SessionError, load_session
from engine.training.trainer import Trainer

N = 3
SMALL = ["--max-chars", "2000", "--hidden", "64", "--batch-size", "8", "--num-steps", "10",
         "--pred-period", "2", "--pred-len", "10", "--device", "cpu", "--threads", "1"]
# One case through the command line (the resume in a new process); test_session_resume.py runs all
# the model/sampling combinations through the API, in fresh processes too.
CASES = {
    "rnn-random": ["--model", "rnn", "--sampling", "random"],  # RNG and Adam state both matter
}
TIMING = ("seconds", "chars_per_sec")  # wall-clock fields: the only ones allowed to differ


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _records(stdout: str) -> list[dict]:
    records = [json.loads(line) for line in stdout.splitlines()]
    return [{k: v for k, v in r.items() if k not in TIMING} for r in records]


def train(*args: str) -> list[dict]:
    """Run `rnnplay train ... --jsonl -` in a new process; its JSON lines minus timings."""
    proc = run_cli("train", *args, "--jsonl", "-")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return _records(proc.stdout)


def train_here(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict]:
    """`rnnplay train ... --jsonl -` in this process (a process's start costs more CPU than
    these trainings): its JSON lines minus timings."""
    code, out, err = run_main(capsys, "train", *args, "--jsonl", "-")
    assert code == 0, err[-3000:]
    return _records(out)


def _untargeted(record: dict) -> dict:
    # "epochs" is the target at the time; the gradient flow and the weights are measured on the
    # epochs where it is cheap enough (engine.training.probes.FLOW_SHARE, WEIGHTS_SHARE), which
    # depends on timing: compared apart.
    return {k: v for k, v in record.items()
            if k not in ("epochs", "grad_through_time", "weights")}


def _same_flows_where_both_measured(got: list[dict], want: list[dict]) -> None:
    for a, b in zip(got, want, strict=True):
        for key in ("grad_through_time", "weights"):
            if a.get(key) and b.get(key):
                assert a[key] == b[key], (key, a["epoch"])
    last = [r for r in want if r["type"] == "epoch"][-1]
    assert last["grad_through_time"]  # a run's last epoch always measures it


@pytest.mark.parametrize("case", CASES)
def test_cli_resume_matches_straight_in_every_digit(
    tmp_path: Path, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    opts = [*SMALL, *CASES[case]]
    straight_file, half_file = tmp_path / "straight.rnnplay", tmp_path / "half.rnnplay"
    straight = train_here(capsys, *opts, "--epochs", str(2 * N), "--save", str(straight_file))
    first = train_here(capsys, *opts, "--epochs", str(N), "--save", str(half_file))
    # Only the save on disk goes from the first run to the resume, in a process of its own.
    resumed = train("--resume", str(half_file), "--epochs", str(2 * N))  # saves back to it
    assert sum(r["type"] == "epoch" for r in straight) == 2 * N
    # "epochs" is the target at the time: N for the first run, 2N for the others.
    assert all(r["epochs"] == 2 * N for r in straight + resumed if r["type"] == "epoch")
    assert [_untargeted(r) for r in first + resumed] == [_untargeted(r) for r in straight]
    _same_flows_where_both_measured(first + resumed, straight)
    a, b = load_session(straight_file), load_session(half_file)
    assert b.epoch == 2 * N
    for name, tensor in a.state["model"].items():
        assert torch.equal(tensor, b.state["model"][name]), name


def test_cli_resume_refuses_new_settings(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code, _, err = run_main(capsys, "train", "--resume", str(tmp_path / "x"), "--lr", "5")
    assert code == 2 and "--lr" in err
    code, _, err = run_main(capsys, "train", "--save-every", "2")
    assert code == 2 and "--save" in err
    bad = tmp_path / "bad.rnnplay"
    bad.write_bytes(b"\x80\x04junk")
    code, _, err = run_main(capsys, "train", "--resume", str(bad))
    assert code == 2 and "pickle" in err and "Traceback" not in err


# ----------------------------------------------------------------------------- PeriodicSave


def _trainer(epochs: int) -> Trainer:
    return small_trainer(load_corpus("jaychou", max_chars=1000), model="rnn", num_steps=5,
                         epochs=epochs, pred_period=0)


def test_periodic_save_runs_between_batches_and_at_the_end(tmp_path: Path) -> None:
    trainer = _trainer(epochs=5)
    events: list[object] = []
    trainer.on_event = events.append
    saver = PeriodicSave(trainer, tmp_path / "p.rnnplay", every=2)
    assert trainer.run() == "finished"
    assert saver.saves == 2 and events  # epochs 2 and 4; the chain still reports
    assert saver.finish() == tmp_path / "p.rnnplay" and saver.saves == 3
    assert load_session(tmp_path / "p.rnnplay").epoch == 5


def test_a_failing_periodic_save_does_not_stop_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trainer = _trainer(epochs=3)
    errors: list[SessionError] = []
    saver = PeriodicSave(trainer, tmp_path / "p.rnnplay", every=1, on_error=errors.append)

    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic_write.os, "fsync", full)
    assert trainer.run() == "finished" and trainer.epoch == 3
    assert len(errors) == 3 and "no space left" in str(errors[0])
    monkeypatch.undo()
    saver.finish()
    assert load_session(tmp_path / "p.rnnplay").epoch == 3


def test_cli_refuses_special_save_targets_before_training(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A link would be refused by the save itself, after training: checked before the first
    # epoch instead, like a FIFO (which the save would otherwise have replaced).
    real = tmp_path / "real.rnnplay"
    real.write_bytes(b"keep me")
    link = tmp_path / "link.rnnplay"
    link.symlink_to(real)
    fifo = tmp_path / "fifo.rnnplay"
    os.mkfifo(fifo)
    for target, words in ((link, "symbolic link"), (fifo, "not a regular file")):
        code, out, err = run_main(capsys, "train", *SMALL, "--epochs", "1", "--save", str(target))
        assert code != 0 and "epoch 1" not in out + err
        assert words in err and len(err.strip().splitlines()) == 1
        assert "Traceback" not in err
    assert link.is_symlink() and real.read_bytes() == b"keep me"
    assert fifo.is_fifo()
