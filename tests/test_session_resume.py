"""Resume is bit-exact: N epochs, save, a NEW PROCESS resumes to 2N, and every per-epoch number
and the final weights equal those of 2N epochs straight. And the check has teeth: dropping the
RNG or the optimizer state from a save makes it fail.

This file doubles as the worker the test runs in fresh processes:
    python tests/test_session_resume.py straight|resume DIR
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__":  # run as a worker script: make the checkout importable
    sys.path.insert(0, str(REPO_ROOT))

from engine.config import TrainConfig  # noqa: E402
from engine.data.corpus import load_corpus  # noqa: E402
from engine.session import Session, load_session, restore_trainer, save_session  # noqa: E402
from engine.session.trainer_state import trainer_state  # noqa: E402
from engine.training.events import BatchEnd, EpochEnd  # noqa: E402
from engine.training.trainer import Trainer  # noqa: E402

N = 2  # epochs before the save; the runs go to 2N
MID_BATCH = 7  # a second save point: after this batch of epoch N+1 (an epoch in progress)
MAX_CHARS = 2000
CASES: dict[str, dict[str, Any]] = {
    "scratch-random": {"model": "scratch", "sampling": "random"},
    "scratch-consecutive": {"model": "scratch", "sampling": "consecutive"},
    "rnn-random": {"model": "rnn", "sampling": "random"},
    "rnn-consecutive": {"model": "rnn", "sampling": "consecutive"},
}
SAVE_POINTS = ("end", "mid")


def case_config(case: str) -> TrainConfig:
    # Small enough to be quick on two cores, big enough for 24 batches per epoch.
    return TrainConfig(**CASES[case], hidden=32, batch_size=8, num_steps=10, epochs=2 * N,
                       pred_period=2, pred_len=10, device="cpu", threads=1)


def numbers(history: list[EpochEnd]) -> list[list[float]]:
    """Everything deterministic in the epoch records (wall time and throughput are not)."""
    return [[e.epoch, e.epochs, e.perplexity, e.grad_norm, e.lr] for e in history]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


# ----------------------------------------------------------------------------- worker


def run_straight(case: str, out: Path) -> dict[str, Any]:
    """2N epochs in one go, saving at the end of epoch N and in the middle of epoch N+1."""
    trainer: Trainer

    def on_event(event: object) -> None:
        if isinstance(event, BatchEnd) and (event.epoch, event.batch) == (N + 1, MID_BATCH):
            # Runs on the trainer thread before the next batch: an epoch in progress.
            trainer.call_soon(lambda t: save_session(out / f"{case}-mid.rnnplay", t))

    trainer = Trainer(load_corpus("jaychou", MAX_CHARS), case_config(case), on_event)
    while trainer.epoch < 2 * N:
        trainer.run_epoch()
        if trainer.epoch == N:
            save_session(out / f"{case}-end.rnnplay", trainer)
    save_session(out / f"{case}-straight.rnnplay", trainer)
    unsaved = Trainer(load_corpus("jaychou", MAX_CHARS), case_config(case))
    while unsaved.epoch < 2 * N:
        unsaved.run_epoch()
    return {"history": numbers(trainer.history), "unsaved": numbers(unsaved.history)}


def run_resume(case: str, point: str, out: Path) -> dict[str, Any]:
    session = load_session(out / f"{case}-{point}.rnnplay")
    trainer = restore_trainer(session, epochs=2 * N)
    resumed_at = trainer.epoch
    while trainer.epoch < 2 * N:
        trainer.run_epoch()
    save_session(out / f"{case}-{point}-resumed.rnnplay", trainer)
    return {"history": numbers(trainer.history), "resumed_at": resumed_at}


def worker(mode: str, out: Path) -> None:
    torch.set_num_threads(1)
    if mode == "straight":
        result = {case: run_straight(case, out) for case in CASES}
    else:
        result = {f"{c}-{p}": run_resume(c, p, out) for c in CASES for p in SAVE_POINTS}
    (out / f"{mode}.json").write_text(json.dumps(result))


# ----------------------------------------------------------------------------- tests


def _run_worker(mode: str, out: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.run([sys.executable, __file__, mode, str(out)], capture_output=True,
                          text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads((out / f"{mode}.json").read_text())


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    out = tmp_path_factory.mktemp("resume")
    straight = _run_worker("straight", out)  # process 1: trains and saves
    resumed = _run_worker("resume", out)  # process 2: only loads and resumes
    return out, straight, resumed


def _tensors(session: Session) -> dict[str, torch.Tensor]:
    s = session.state
    found = {f"model/{k}": v for k, v in s["model"].items()}
    for pid, slots in s["optimizer"]["state"].items():
        found |= {f"optimizer/{pid}/{k}": v for k, v in slots.items()}
    return found | {"rng/sampling": s["rng"]["sampling"], "rng/torch": s["rng"]["torch"]}


@pytest.mark.parametrize("point", SAVE_POINTS)
@pytest.mark.parametrize("case", CASES)
def test_resume_in_a_new_process_is_bit_exact(runs: tuple, case: str, point: str) -> None:
    out, straight, resumed = runs
    expected = straight[case]["history"]
    assert straight[case]["unsaved"] == expected, "saving changed the training run"
    got = resumed[f"{case}-{point}"]
    assert got["resumed_at"] == N
    cursor = load_session(out / f"{case}-{point}.rnnplay").state["cursor"]
    if point == "mid":  # saved with an epoch in progress (and its hidden state if consecutive)
        assert cursor["batch"] == MID_BATCH
        assert (cursor["state"] is not None) == (CASES[case]["sampling"] == "consecutive")
    else:
        assert cursor is None
    assert len(expected) == 2 * N
    assert got["history"] == expected  # every digit of every per-epoch number
    a = load_session(out / f"{case}-straight.rnnplay")
    b = load_session(out / f"{case}-{point}-resumed.rnnplay")
    ta, tb = _tensors(a), _tensors(b)
    assert ta.keys() == tb.keys()
    for name in ta:
        assert torch.equal(ta[name], tb[name]), name
    assert a.state["samples"] == b.state["samples"] and a.state["step"] == b.state["step"]
    assert a.state["rng"]["python"] == b.state["rng"]["python"]


def _resume_history(session: Session) -> list[list[float]]:
    trainer = restore_trainer(session, epochs=2 * N)
    while trainer.epoch < 2 * N:
        trainer.run_epoch()
    return numbers(trainer.history)


def _fresh_state(case: str) -> dict[str, Any]:
    """A just-built trainer's state: what a save that forgot something would give back."""
    return trainer_state(Trainer(load_corpus("jaychou", MAX_CHARS), case_config(case)))


@pytest.mark.parametrize(
    ("case", "dropped"),
    [("scratch-random", "rng"), ("rnn-random", "rng"), ("rnn-consecutive", "optimizer")],
)
def test_the_check_has_teeth(runs: tuple, case: str, dropped: str) -> None:
    out, straight, _ = runs
    expected = straight[case]["history"]
    session = load_session(out / f"{case}-end.rnnplay")
    assert _resume_history(session) == expected  # in-process resume: exact as well
    session = load_session(out / f"{case}-end.rnnplay")
    session.state = {**session.state, dropped: _fresh_state(case)[dropped]}
    got = _resume_history(session)
    assert got[:N] == expected[:N]
    assert got[N:] != expected[N:], f"dropping the {dropped} state went unnoticed"


def test_more_epochs_and_a_new_device_setting(runs: tuple) -> None:
    out, _, _ = runs
    session = load_session(out / "rnn-random-end.rnnplay")
    trainer = restore_trainer(session, device="cpu", epochs=N + 1)
    assert trainer.target_epochs == N + 1 and trainer.epoch == N
    assert trainer.run() == "finished" and trainer.epoch == N + 1
    default = restore_trainer(load_session(out / "rnn-random-end.rnnplay"))
    assert default.target_epochs == 2 * N  # the saved target


def test_config_is_kept_through_a_save(runs: tuple) -> None:
    out, _, _ = runs
    session = load_session(out / "scratch-consecutive-end.rnnplay")
    assert session.config == replace(case_config("scratch-consecutive"), lr=100.0)


if __name__ == "__main__":
    worker(sys.argv[1], Path(sys.argv[2]))
