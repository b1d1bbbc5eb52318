"""F3 and Del: removing runs without losing training. Each says what it will remove; a run
whose training no file holds yet goes only once the user chose to save it first or to drop it.
The core decides what may go (Playground.clear_plan, remove, clear); this asks and says.
"""

from __future__ import annotations

from engine.playground import ClearPlan, RunSummary, UnsavedPolicy
from engine.playground.events import RunState
from tui.host import Host
from tui.labels import shown
from tui.paths import shown_path
from tui.screens.choice import Choice, ChoiceScreen


def _labels(runs: tuple[RunSummary, ...]) -> str:
    return ", ".join(shown(run) for run in runs)


class Removing:
    def __init__(self, app: Host) -> None:
        self.app = app

    def _say(self, text: str) -> None:
        self.app.notify(text, markup=False)

    # -- F3 -----------------------------------------------------------------------------------
    def clear(self) -> None:
        """Ask before clearing the finished runs, saying which; never a stopped or selected one."""
        plan = self.app.playground.clear_plan()
        if not plan.saved and not plan.unsaved:
            self._say(
                "nothing to clear: F3 clears finished runs; stopped runs and the selected one "
                "stay (Del removes one)"
            )
            return
        self.app.push_screen(self._clear_question(plan), lambda p: self._clear_chosen(plan, p))

    @staticmethod
    def _clear_question(plan: ClearPlan) -> ChoiceScreen:
        lines = []
        if plan.saved:
            lines.append(f"saved, cleared from the screen only: {_labels(plan.saved)}")
        if not plan.unsaved:
            return ChoiceScreen("clear the finished runs?", "\n".join(lines),
                                [Choice("c", "clear them", UnsavedPolicy.REFUSE)])  # fmt: skip
        lines.append(f"training not saved in any file: {_labels(plan.unsaved)}")
        choices = [
            Choice("s", "save them, then clear", UnsavedPolicy.SAVE),
            Choice("d", "discard them", UnsavedPolicy.DISCARD),
        ]
        if plan.saved:
            choices.append(Choice("o", "clear only the saved ones", UnsavedPolicy.REFUSE))
        return ChoiceScreen("clear the finished runs?", "\n".join(lines), choices)

    def _clear_chosen(self, plan: ClearPlan, policy: UnsavedPolicy | None) -> None:
        if policy is None:
            return
        kept = self.app.playground.clear(unsaved=policy, prompt=self.app.main.prompt.text)
        if policy == UnsavedPolicy.REFUSE:
            # The unsaved ones (cleared last) stay by choice; only other reasons are news.
            kept = kept[: max(0, len(kept) - len(plan.unsaved))]
            cleared = plan.saved
        else:
            cleared = plan.saved + plan.unsaved
        for why_not in kept:
            self._say(why_not)
        if policy == UnsavedPolicy.SAVE and plan.unsaved:
            self._say(f"cleared {_labels(plan.saved) or 'nothing yet'}; saving "
                      f"{_labels(plan.unsaved)}: each goes once its file is written")  # fmt: skip
        elif cleared:
            self._say(f"cleared {_labels(cleared)}")

    # -- Del ----------------------------------------------------------------------------------
    def remove(self, run_id: int) -> None:
        """Remove one run; with unsaved training, ask first (save it / drop it / keep it). A
        paused run goes too: the core stops it first."""
        run = self.app.playground.summary(run_id)
        if run is None:
            return
        if run.unsaved and (run.state == RunState.PAUSED or not run.state.active):
            question = ChoiceScreen(
                f"remove {shown(run)}?",
                _unsaved(run),
                [
                    Choice("s", "save it, then remove it", UnsavedPolicy.SAVE),
                    Choice("d", "remove it without saving", UnsavedPolicy.DISCARD),
                ],
            )
            self.app.push_screen(question, lambda policy: self._remove(run, policy))
        else:
            self._remove(run, UnsavedPolicy.REFUSE)

    def _remove(self, run: RunSummary, policy: UnsavedPolicy | None) -> None:
        if policy is None:
            return
        why_not = self.app.playground.remove(
            run.id, unsaved=policy, prompt=self.app.main.prompt.text
        )
        if why_not:
            self._say(why_not)
        elif policy == UnsavedPolicy.SAVE:
            self._say(f"saving {shown(run)}: it is removed once its file is written")
        elif policy == UnsavedPolicy.DISCARD:
            self._say(f"removed {shown(run)} without saving it")
        else:
            where = f" (saved in {shown_path(run.path)})" if run.path else ""
            self._say(f"removed {shown(run)}{where}")


def _unsaved(run: RunSummary) -> str:
    """What of the run's training no file holds (a save may hold an earlier epoch)."""
    if run.saved_epoch:
        return (f"its training since epoch {run.saved_epoch} (now {run.epoch}) is not saved: "
                f"its file holds epoch {run.saved_epoch}")
    return f"its training (epoch {run.epoch}) is not saved in any file"
