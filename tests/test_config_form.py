"""The app's setup form is built from the settings' declarations and refuses what they refuse."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Input, Label, RadioSet

from engine.config import BOOK_LR, CorpusConfig, TrainConfig, specs
from tui.widgets.setup import SetupPane

FORM = [spec for spec in (*specs(CorpusConfig), *specs(TrainConfig)) if spec.setting.label]


class FormApp(App):
    def __init__(self, values: dict[str, str] | None = None) -> None:
        super().__init__()
        self.values = values or {}

    def compose(self) -> ComposeResult:
        yield SetupPane([("cpu", None)], self.values, id="setup")


async def test_a_row_per_declared_setting_and_read_gives_the_configs_defaults() -> None:
    app = FormApp()
    async with app.run_test():
        pane = app.query_one(SetupPane)
        labels = {str(label.render()) for label in pane.query(Label)}
        for spec in FORM:
            # The lr's label names the optimizer it is for: "lr (SGD)".
            assert any(label.startswith(spec.setting.label) for label in labels), spec.name
            widget = pane.query_one(f"#{spec.name}")
            # Typed, so a field may hold a grid ("scratch, rnn"); the device's radio buttons
            # say which devices exist.
            assert isinstance(widget, RadioSet if spec.name == "device" else Input), spec.name
        runs, error = pane.read_runs()
        assert error is None and len(runs) == 1
        values = runs[0]
        assert set(values) == {spec.name for spec in FORM}
        # The lr field shows the model's (the book's); empty prefixes: the corpus's own.
        defaults = {**CorpusConfig().to_dict(), **TrainConfig().to_dict(),
                    "lr": BOOK_LR["scratch"], "prefixes": ()}
        assert values == {name: defaults[name] for name in values}
        TrainConfig(**{k: v for k, v in values.items() if k in TrainConfig().to_dict()}).check()


async def test_each_input_refuses_what_its_setting_refuses() -> None:
    app = FormApp()
    async with app.run_test() as pilot:
        pane = app.query_one(SetupPane)
        for name, text, needle in [
            ("hidden", "0", "hidden must be a whole number from 1 to 8,192, not 0"),
            ("lr", "1e39", "learning rate must be at most"),
            ("max_chars", "10000000000", "max chars must be a whole number"),
            ("epochs", "2.5", "epochs must be a whole number, not '2.5'"),
        ]:
            widget = pane.query_one(f"#{name}", Input)
            widget.value = text
            await pilot.pause()
            runs, error = pane.read_runs()
            assert runs == [] and error is not None and needle in error, (name, error)
            await pilot.pause()
            assert app.focused is widget
            widget.value = "1"

