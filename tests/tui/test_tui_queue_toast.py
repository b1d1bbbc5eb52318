"""A tester's finding: F5 while a run trains asks whether the new run queues or trains alongside,
and the toast after the answer named the runs training when F5 was pressed: a run that stopped
while the question was open was "training now", and one given another lr had its old name. The
toast names the runs that train when it is said; with none left the new run starts at once, and
the toast says so."""

from __future__ import annotations

from helpers import make_app, wait_for
from textual.app import App

from tui.screens.choice import ChoiceScreen

LONG = "100000"  # epochs: a run that trains until it is stopped


def _toasts(app: App) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_the_queued_toast_names_who_trains_when_it_is_said() -> None:
    app = make_app(train=True, epochs=LONG, lr="10, 30")
    async with app.run_test(size=(120, 40)) as pilot:
        play = app.playground
        await wait_for(pilot, lambda: play.training_runs() == [1, 2]
                       and {s.state for s in play.summaries()} == {"running"}, timeout=30,
                       what="both train")  # fmt: skip
        app.main.setup.query_one("#lr").value = "50"
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="F5 asks")
        # While the question is open: #1 stops, #2 takes another lr.
        assert play.stop(1) and play.set_lr(20.0, 2)
        await wait_for(pilot, lambda: play.summary(1).state == "stopped"
                       and play.summary(2).config.lr == 20, what="#1 stopped, #2 at lr 20")
        await pilot.press("q")
        said = "the new run queued: it starts once no run trains (#2 scratch·lr 30→20 training now)"
        await wait_for(pilot, lambda: said in _toasts(app), what="the toast")
        assert not any("#1" in t for t in _toasts(app) if "queued" in t), _toasts(app)
        assert play.stop(2)


async def test_with_no_run_training_any_more_the_queued_run_starts_and_the_toast_says_so() -> None:
    app = make_app(train=True, epochs=LONG)
    async with app.run_test(size=(80, 24)) as pilot:
        play = app.playground
        await wait_for(pilot, lambda: app.state == "running", what="#1 trains")
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="F5 asks")
        assert play.stop(1)
        await wait_for(pilot, lambda: play.summary(1).state == "stopped", what="#1 stopped")
        await pilot.press("q")
        said = "the new run: no run trains any more, so it starts now"
        await wait_for(pilot, lambda: said in _toasts(app), what="the toast")
        assert not any("training now" in t for t in _toasts(app)), _toasts(app)
        # And so it does: the queue does not hold it.
        await wait_for(pilot, lambda: play.summary(2) is not None
                       and play.summary(2).state == "running", timeout=30,
                       what="#2 trains")  # fmt: skip
        assert play.queued() == []
        assert play.stop(2)
