"""Quitting when the autosave failed: retry, save elsewhere, or leave without saving."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static


class AutosaveFailedScreen(ModalScreen[str | None]):
    """Dismisses with "retry", "save_as", "quit", or None (stay in the app)."""

    DEFAULT_CSS = """
    AutosaveFailedScreen { align: center middle; }
    AutosaveFailedScreen > Vertical {
        width: 90%; max-width: 100; height: auto;
        border: round $error; background: $surface; padding: 0 1;
    }
    AutosaveFailedScreen #autosave-errors { color: $error; height: auto; }
    """

    BINDINGS = [
        Binding("r", "choose('retry')", "Retry"),
        Binding("s", "choose('save_as')", "Save as"),
        Binding("q", "choose('quit')", "Quit without saving"),
        Binding("escape", "choose(None)", "Stay"),
    ]

    def __init__(self, errors: list[str]) -> None:
        super().__init__()
        self.errors = errors

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("unsaved training would be lost: the autosave failed")
            yield Static("\n".join(self.errors), id="autosave-errors", markup=False)
            yield Label("r retry · s save elsewhere · q quit without saving · Esc stay")

    def action_choose(self, choice: str | None) -> None:
        self.dismiss(choice)
