"""What a resumed sweep has left to run (engine/sweep/resume.py), read from a sweep folder made
by the sweep's own writers from real trainers' sessions, without Ray (tests/test_sweep.py
resumes real sweeps)."""

from __future__ import annotations

from pathlib import Path

from helpers import TINY_FILE, small_trainer

from engine.data.corpus import load_corpus
from engine.session import save_session
from engine.sweep.folder import trial_file
from engine.sweep.resume import left_to_run
from engine.sweep.summary import FINISHED, INTERRUPTED, STOPPED_EARLY, TrialRow, write_summary

SLOTS = [{"lr": lr} for lr in (0.5, 1.0, 2.0, 3.0, 4.0, 5.0)]


def saved(path: Path, lr: float, epochs: int) -> bytes:
    trainer = small_trainer(load_corpus(str(TINY_FILE), 0), lr=lr, epochs=epochs, pred_period=0,
                            val_chars=100)
    trainer.run()
    save_session(path, trainer)
    return path.read_bytes()


def row(name: str, lr: float, ended: str, epochs: int) -> TrialRow:
    return TrialRow(name, f"lr {lr:g}", {"lr": lr}, 5.0, epochs, ended,
                    file=f"{name}.rnnplay")


def test_left_to_run_keeps_ended_trials_and_carries_on_the_rest_from_checked_files(
    tmp_path: Path,
) -> None:
    out = tmp_path / "sweep"
    out.mkdir()
    write_summary(out, [row("trial-00", 0.5, FINISHED, 2), row("trial-01", 1.0, STOPPED_EARLY, 1),
                        row("trial-02", 2.0, INTERRUPTED, 1), row("trial-03", 3.0, INTERRUPTED, 1),
                        row("trial-05", 5.0, INTERRUPTED, 1)])
    cut_short = saved(trial_file(out, "trial-02"), 2.0, 1)
    trial_file(out, "trial-03").write_bytes(b"not a session")  # fails the loader's checks
    saved(trial_file(out, "trial-05"), 0.5, 1)  # trained with another trial's lr
    # trial-04 never made the summary (a sweep aborted before it wrote one): its latest Tune
    # checkpoint is found; an older one of fewer epochs is passed over.
    older = tmp_path / "tune" / "trial-04" / "checkpoint_000000" / "session.rnnplay"
    latest = tmp_path / "tune" / "trial-04" / "checkpoint_000001" / "session.rnnplay"
    for path in (older, latest):
        path.parent.mkdir(parents=True)
    saved(older, 4.0, 1)
    aborted = saved(latest, 4.0, 2)

    left = left_to_run(out, SLOTS, ("lr",), dict, [latest, older])
    assert [r.name for r in left.kept] == ["trial-00", "trial-01"]
    assert left.trials == {"trial-02": {"lr": 2.0}, "trial-03": {"lr": 3.0},
                           "trial-04": {"lr": 4.0}, "trial-05": {"lr": 5.0}}
    assert left.sessions == {"trial-02": cut_short, "trial-04": aborted}


def test_trials_never_started_get_their_slot_and_fresh_draws(tmp_path: Path) -> None:
    left = left_to_run(tmp_path, SLOTS[:2], ("lr", "hidden"), lambda: {"hidden": 7})
    assert left.kept == [] and left.sessions == {}
    assert left.trials == {"trial-00": {"lr": 0.5, "hidden": 7},
                           "trial-01": {"lr": 1.0, "hidden": 7}}
