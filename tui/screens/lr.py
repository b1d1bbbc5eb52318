"""F8: a new learning rate for a run while it trains."""

from __future__ import annotations

from textual.widgets import Input

from engine.config import TrainConfig, spec_of
from tui.screens.number import NumberScreen
from tui.widgets.setup import SettingValidator


class LrScreen(NumberScreen[float]):
    """Dismisses with the new learning rate (valid as the setup's lr), or None."""

    def __init__(self, current: float, run_label: str, *, paused: bool = False) -> None:
        when = "once the run resumes" if paused else "at the next batch"
        super().__init__(
            f"new learning rate for {run_label} (now {current:g})",
            f"Enter applies it {when} · Esc cancels",
        )
        self.current = current

    def field(self) -> Input:
        validator = SettingValidator(spec_of(TrainConfig, "lr"), required=True)
        return Input(f"{self.current:g}", id="new-lr", validators=[validator])

    def read(self, submitted: Input.Submitted) -> float:
        result = submitted.validation_result
        if result is not None and not result.is_valid:
            raise ValueError("; ".join(result.failure_descriptions))
        return float(submitted.value)
