"""A small dialog to change the learning rate of the running trainer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from engine.config import TrainConfig, spec_of
from tui.widgets.setup import SettingValidator


class LrScreen(ModalScreen[float | None]):
    DEFAULT_CSS = """
    LrScreen { align: center middle; }
    LrScreen > Vertical {
        width: 60; max-width: 95%; height: auto;
        border: round $accent; background: $surface; padding: 0 1;
    }
    LrScreen .hint { color: $text-muted; }
    /* the whole width, so a long refusal wraps rather than being cut at the border */
    LrScreen Label { width: 100%; }
    LrScreen #lr-error { color: $error; height: auto; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: float, run_label: str) -> None:
        super().__init__()
        self.current, self.run_label = current, run_label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"new learning rate for {self.run_label} (now {self.current:g})")
            validator = SettingValidator(spec_of(TrainConfig, "lr"), required=True)
            yield Input(f"{self.current:g}", id="new-lr", validators=[validator])
            yield Label("Enter applies it at the next batch · Esc cancels", classes="hint")
            yield Label("", id="lr-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        result = event.validation_result
        if result is not None and not result.is_valid:
            self.query_one("#lr-error", Label).update("; ".join(result.failure_descriptions))
            return
        self.dismiss(float(event.value))

    def action_cancel(self) -> None:
        self.dismiss(None)
