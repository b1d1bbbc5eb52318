"""A tester's finding: README's rows for Del and F3 did not say what the keys do. Each claim the
rows make now is checked against the core here: Del refuses a training run and removes a run
from the screen only (its file stays); F3 clears diverged runs too, never the selected one, and
asks even when every run it clears is saved (tui/removing.py's question)."""

from __future__ import annotations

from pathlib import Path

from helpers import FOREVER_RUN, REPO_ROOT, TINY_RUN

from engine.playground.events import RunState


def _row(key: str) -> str:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    return next(line for line in readme.splitlines() if line.startswith(f"| {key} "))


def test_readme_says_what_del_does(play, rec, tiny_corpus: Path) -> None:
    row = _row("Enter / Del")
    assert "a training run is refused" in row and "its file stays on disk" in row, row
    assert "a paused one is stopped, then removed" in row, row
    play.new_run(str(tiny_corpus), 0, FOREVER_RUN)
    rec.status(1, RunState.RUNNING)
    assert "stop it first" in (play.remove(1) or "")
    play.stop(1)
    rec.status(1, RunState.STOPPED)
    job = play.save(1)
    assert job is not None and job.done.wait(30)
    path = Path(play.summary(1).path)
    assert play.remove(1) is None and path.exists()


def test_readme_says_which_runs_f3_clears(play, rec, tiny_corpus: Path) -> None:
    row = _row("F2 / F3")
    assert "diverged or failed" in row and "never the selected run" in row, row
    assert "asks first" in row and "files stay on disk" in row, row
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, lr=1e30, clip=1e30, epochs=3))
    rec.status(1, RunState.DIVERGED)
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=1))
    rec.status(2, RunState.FINISHED)
    plan = play.clear_plan()  # run 2, the newest, is selected: it stays
    assert [s.id for s in plan.saved + plan.unsaved] == [1]
