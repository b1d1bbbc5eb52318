"""The run setup form, built from the settings' declarations in engine/config.py.

Every setting with a form label gets a row: a drop-down when it has choices, the device as radio
buttons (the machine decides which exist), any other as a text input. Each input refuses what
the setting's own check refuses (type and bounds: `SettingValidator`); whatever needs the corpus
(a batch too large for the text, ...) is checked when a run starts, and the message comes back
here through `show_error`.

The form is an input: it shows what the user set up, never a run's state. Each model family has
its own lr (the book's SGD at 100 for scratch, Adam at 1e-3 for the nn models): the lr field
shows the chosen family's, and a value typed for one family stays with it.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.css.query import NoMatches
from textual.suggester import SuggestFromList
from textual.validation import ValidationResult, Validator
from textual.widgets import Input, Label, RadioButton, RadioSet, Select, Static

from engine.config import (
    BOOK_LR,
    OPTIMIZER,
    ConfigError,
    CorpusConfig,
    Spec,
    TrainConfig,
    spec_of,
    specs,
)

# Form rows in order: the drop-downs, then the text inputs (corpus first), then the device.
FORM = tuple(spec for spec in (*specs(CorpusConfig), *specs(TrainConfig)) if spec.setting.label)
CHOICES = tuple(spec for spec in FORM if spec.setting.choices)
INPUTS = tuple(spec for spec in FORM if not spec.setting.choices and spec.name != "device")


class SettingValidator(Validator):
    """Refuses the text a setting's own check would refuse, with its message; `required`
    refuses an empty value even where the setting allows None ("the default")."""

    def __init__(self, spec: Spec, required: bool = False) -> None:
        super().__init__()
        self.spec, self.required = spec, required

    def validate(self, value: str) -> ValidationResult:
        try:
            parsed = self.spec.parse(value)
            self.spec.check(parsed)
        except ConfigError as err:
            return self.failure(str(err))
        if parsed is None and self.required:
            return self.failure(f"give a {self.spec.noun}")
        return self.success()


LR = spec_of(TrainConfig, "lr")


def _lr_label(model: str) -> str:
    """The lr row's label names the optimizer the lr is for: "lr (SGD)"."""
    return f"{LR.setting.label} ({OPTIMIZER[model]})"


class SetupPane(VerticalScroll):
    DEFAULT_CSS = """
    SetupPane {
        width: 30;
        border: round $primary-darken-2;
        padding: 0 0 0 1;
        scrollbar-size-vertical: 1;
    }
    SetupPane:focus-within { border: round $accent; }
    SetupPane .row { height: 1; }
    SetupPane .row Label { width: 10; color: $text-muted; }
    SetupPane .row Input { width: 1fr; }
    SetupPane .row Select { width: 1fr; }
    SetupPane RadioSet { border: none; padding: 0; width: 1fr; height: auto; }
    SetupPane #devices-label { color: $text-muted; }
    SetupPane .reason { color: $text-disabled; height: auto; }
    SetupPane #setup-error { color: $error; height: auto; }
    """

    def __init__(
        self,
        devices: list[tuple[str, str | None]],
        values: dict[str, str] | None = None,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        devices = devices or [("cpu", None)]
        # "auto" (CUDA when there is one, else the CPU) is the default choice: a saved session
        # that says "auto" then follows whatever machine it is resumed on.
        if not any(name == "auto" for name, _ in devices):
            devices = [("auto", None), *devices]
        self.devices = devices
        self.initial = dict(values or {})
        # The model whose lr the lr field shows, and each family's lr as the field last showed
        # it (the book's until the user types another).
        self._model = str(self.initial.get("model", spec_of(TrainConfig, "model").default))
        self._lrs = {model: LR.text(lr) for model, lr in BOOK_LR.items()}
        if "lr" in self.initial:
            self._lrs[self._model] = self.initial["lr"]
        self.border_title = "setup · F5 new run"

    def compose(self) -> ComposeResult:
        for spec in CHOICES:
            with Horizontal(classes="row"):
                yield Label(spec.setting.label)
                yield Select(
                    [(choice, choice) for choice in spec.setting.choices],
                    value=self.initial.get(spec.name, spec.default),
                    allow_blank=False,
                    compact=True,
                    id=spec.name,
                )
        for spec in INPUTS:
            label, default = spec.setting.label, spec.text(spec.default)
            if spec.name == "lr":
                label, default = _lr_label(self._model), self._lrs[self._model]
            if spec.name == "prefixes":
                default = ""  # empty: the corpus's own (engine.config.default_prefixes)
            suggest = spec.setting.suggest
            with Horizontal(classes="row"):
                yield Label(label, id=f"{spec.name}-label")
                yield Input(
                    self.initial.get(spec.name, default),
                    id=spec.name,
                    compact=True,
                    validators=[SettingValidator(spec)],
                    suggester=SuggestFromList(list(suggest)) if suggest else None,
                    select_on_focus=False,
                    placeholder="from the corpus" if spec.name == "prefixes" else "",
                )
        yield Label(spec_of(TrainConfig, "device").setting.label, id="devices-label")
        wanted = self.initial.get("device", "auto")
        names = [n for n, reason in self.devices if reason is None]
        if wanted not in names:
            wanted = names[0] if names else "cpu"
        with RadioSet(id="device"):
            for name, reason in self.devices:
                label = name if reason is None else f"{name} (unavailable)"
                yield RadioButton(
                    label, value=name == wanted, disabled=reason is not None, name=name
                )
        for name, reason in self.devices:
            if reason is not None:
                yield Static(f"{name}: {reason}", classes="reason")
        yield Static("", id="setup-error")

    # -- behaviour ---------------------------------------------------------------------------
    def on_select_changed(self, event: Select.Changed) -> None:
        model = str(event.value)
        if event.select.id != "model" or model == self._model or model not in OPTIMIZER:
            return
        # An lr for SGD on the scratch model (100) diverges Adam at once, and Adam's (1e-3)
        # barely moves SGD: the field follows the family, keeping what was typed for each.
        lr = self.query_one("#lr", Input)
        self._lrs[self._model] = lr.value
        self._model = model
        lr.value = self._lrs[model]
        self.query_one("#lr-label", Label).update(_lr_label(model))

    def on_input_changed(self, event: Input.Changed) -> None:
        result = event.validation_result
        if result is not None and not result.is_valid:
            self.show_error("; ".join(result.failure_descriptions))
        else:
            self.show_error("")

    def show_error(self, message: str, field_id: str | None = None) -> None:
        self.query_one("#setup-error", Static).update(message)
        if field_id:
            try:
                widget = self.query_one(f"#{field_id}")
            except NoMatches:  # a setting the form does not show (seed, prefixes...)
                return
            if isinstance(widget, Input):
                widget.add_class("-invalid")
            widget.focus()

    def value(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value.strip()

    def selected_device(self) -> str:
        pressed = self.query_one("#device", RadioSet).pressed_button
        return pressed.name if pressed is not None and pressed.name else "auto"

    def read(self) -> tuple[dict[str, object] | None, str]:
        """The form as CorpusConfig and TrainConfig keyword arguments (typed values, by field
        name), or (None, error) naming the first field its setting refuses."""
        values: dict[str, object] = {}
        for spec in INPUTS:
            widget = self.query_one(f"#{spec.name}", Input)
            try:
                value = spec.parse(widget.value)
                spec.check(value)
            except ConfigError as err:
                self.show_error(str(err))
                widget.focus()
                return None, str(err)
            values[spec.name] = value
        for spec in CHOICES:
            values[spec.name] = str(self.query_one(f"#{spec.name}", Select).value)
        values["device"] = self.selected_device()
        self.show_error("")
        return values, ""
