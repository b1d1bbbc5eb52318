"""ctrl+s, F9, ctrl+o, ctrl+e: saving the selected run, opening a session beside the others,
exporting every run's curves. The core does the work; this asks where and says what happened.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tui.host import Host
from tui.labels import shown
from tui.paths import shown_path
from tui.screens.load import LoadScreen
from tui.screens.save_as import SaveAsScreen

if TYPE_CHECKING:
    from engine.playground import RunSummary


class Sessions:
    def __init__(self, app: Host) -> None:
        self.app = app
        self.playground = app.playground

    def _selected_for_saving(self) -> int | None:
        selected = self.playground.selected
        if selected is None:
            self.app.notify("nothing to save yet: start a run (F5) or load one (ctrl+o)")
        elif self.playground.saving():
            self.app.notify("a save is already in progress")
            return None
        return selected

    def save(self) -> None:
        run_id = self._selected_for_saving()
        if run_id is not None:
            self.playground.save(run_id, prompt=self.app.main.prompt.text)

    def save_as(self) -> None:
        from engine.playground import default_save_dir  # loads torch: not before the first frame

        run_id = self._selected_for_saving()
        if run_id is None:
            return
        summary = self.playground.summary(run_id)
        initial = Path(summary.path) if summary and summary.path else None

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.playground.save(run_id, path, prompt=self.app.main.prompt.text)

        suggested = initial or self.playground.suggested_path(run_id)
        name = shown(summary) if summary else f"#{run_id}"
        self.app.push_screen(SaveAsScreen(suggested, Path(default_save_dir()), name), chosen)

    def load(self) -> None:
        """ctrl+o: open a session (or a sweep folder's trials) beside the runs there are;
        nothing else changes."""
        from engine.playground import default_save_dir, list_saves  # (see save_as)

        unsaved = [s for s in self.playground.summaries() if s.unsaved]
        warning = ""
        if len(unsaved) == 1:
            warning = f"{shown(unsaved[0])} is unsaved{_since(unsaved[0])}: loading keeps it"
        elif unsaved:
            names = ", ".join(shown(s) + _since(s, brief=True) for s in unsaved)
            warning = f"{names} are unsaved: loading keeps them"

        def chosen(path: str | None) -> None:
            if path:
                self.app.main.setup.clear_refusal()  # the last load's refusal: moved on
                self.app.main.note(f"loading {shown_path(path)}...")
                self.playground.load(path)

        self.app.push_screen(
            LoadScreen(Path(default_save_dir()), list_saves, warning), chosen
        )

    def export(self) -> None:
        if not self.playground.summaries():
            self.app.notify("no runs to export yet: start one (F5)")
            return
        try:
            paths = self.playground.export()
        except OSError as exc:
            self.app.notify(f"cannot export: {exc.strerror or exc}", severity="error",
                            markup=False)  # fmt: skip
            return
        where = " and ".join(shown_path(p) for p in paths)
        self.app.main.note(f"curves exported to {where}")
        self.app.notify(f"curves of all runs: {where}", title="exported", markup=False)


def _since(run: RunSummary, brief: bool = False) -> str:
    """Since when a run saved (or loaded) before is unsaved: " since epoch 46", or
    " (since epoch 46)" beside other names; "" for one never saved. A run saved a minute ago
    and trained since read as one never saved."""
    if run.saved_epoch is None:
        return ""
    return f" (since epoch {run.saved_epoch})" if brief else f" since epoch {run.saved_epoch}"
