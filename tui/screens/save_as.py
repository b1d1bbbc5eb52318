"""Save as: one path input, pre-filled with the session's path or a suggested one; its title
names the run it saves, as the runs table does (F9 saves the selected run, which the dialog
hides the table's ▶ of)."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from tui.paths import resolve_save_path, save_target_note


class SaveAsScreen(ModalScreen[Path | None]):
    """Dismisses with the path to save to, or None when cancelled."""

    DEFAULT_CSS = """
    SaveAsScreen { align: center middle; }
    SaveAsScreen > Vertical {
        width: 80%; max-width: 100; height: auto;
        border: round $accent; background: $surface; padding: 0 1;
    }
    SaveAsScreen #save-hint { color: $text-muted; }
    SaveAsScreen #save-warning { color: $warning; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, initial: Path, save_dir: Path, run: str) -> None:
        super().__init__()
        self.initial = initial
        self.run = run  # the run's label as the runs table shows it
        self.save_dir = save_dir

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"save {self.run} as (Enter saves, Esc cancels)", markup=False)
            yield Input(str(self.initial), id="save-path", select_on_focus=False)
            yield Label(f"a bare name goes into {self.save_dir}", id="save-hint", markup=False)
            yield Label("", id="save-warning", markup=False)

    def on_mount(self) -> None:
        self._warn(str(self.initial))

    def on_input_changed(self, event: Input.Changed) -> None:
        self._warn(event.value)

    def _note(self, text: str) -> tuple[str, bool]:
        if not text.strip():
            return "type a file name", False
        if text.strip().endswith("/"):
            return "that is a folder: add a file name", False
        path = resolve_save_path(text, self.save_dir)
        if path.name.startswith("."):
            # Hidden: the load dialog (and ls) would never list it, so it would look lost.
            return "a name starting with '.' is hidden and never listed: choose another", False
        return save_target_note(path)

    def _warn(self, text: str) -> bool:
        note, usable = self._note(text)
        self.query_one("#save-warning", Label).update(note)
        return usable

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self._warn(event.value):
            self.dismiss(resolve_save_path(event.value, self.save_dir))

    def action_cancel(self) -> None:
        self.dismiss(None)
