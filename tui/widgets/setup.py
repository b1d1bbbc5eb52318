"""The run setup form, built from the settings' declarations in engine/config.py.

Every setting with a form label gets a row: a drop-down when it has choices, the device as radio
buttons (the machine decides which exist), any other as a text input. Each input refuses what
the setting's own check refuses (type and bounds: `SettingValidator`); whatever needs the corpus
(a batch too large for the text, ...) is checked when a run starts, and the message comes back
here through `show_error`.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.css.query import NoMatches
from textual.suggester import SuggestFromList
from textual.validation import ValidationResult, Validator
from textual.widgets import Input, Label, RadioButton, RadioSet, Select, Static

from engine.config import BOOK_LR, ConfigError, CorpusConfig, Spec, TrainConfig, spec_of, specs

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


def _book_lr(model: object) -> str | None:
    lr = BOOK_LR.get(str(model))
    return None if lr is None else spec_of(TrainConfig, "lr").text(lr)


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
        model = self.initial.get("model", spec_of(TrainConfig, "model").default)
        # The lr the form filled in itself; any other value is the user's and is kept.
        self._auto_lr = None if "lr" in self.initial else _book_lr(model)
        self.border_title = "setup · F5 start"

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
            default = self._auto_lr if spec.name == "lr" else spec.text(spec.default)
            if spec.name == "prefixes":
                default = ""  # empty: the corpus's own (engine.config.default_prefixes)
            suggest = spec.setting.suggest
            with Horizontal(classes="row"):
                yield Label(spec.setting.label)
                yield Input(
                    self.initial.get(spec.name, default or ""),
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
        lr = self.query_one("#lr", Input)
        if event.select.id == "model" and lr.value.strip() == self._auto_lr:
            # The book trains the scratch model with SGD at lr 100 and the nn models with Adam
            # at 1e-3: carry the default along unless the user chose an lr.
            self._auto_lr = _book_lr(event.value)
            lr.value = self._auto_lr or ""

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

    def set_values(self, values: dict[str, str]) -> None:
        """Fill the form's fields named in `values` (field name -> text, as `read` would take
        it), e.g. from a loaded session; the others keep what they show."""
        for spec in CHOICES:
            if values.get(spec.name) in spec.setting.choices:
                self.query_one(f"#{spec.name}", Select).value = values[spec.name]
        for spec in INPUTS:
            if spec.name in values:
                widget = self.query_one(f"#{spec.name}", Input)
                widget.value = values[spec.name]
                widget.remove_class("-invalid")
        if "lr" in values:
            # The lr is the user's choice unless it is the book's default for the model; only
            # then does a later model change carry the book's lr along.
            model = values.get("model", self.query_one("#model", Select).value)
            self._auto_lr = values["lr"] if values["lr"] == _book_lr(model) else None
        if "device" in values:
            self.select_device(values["device"])
        self.show_error("")

    def select_device(self, name: str) -> None:
        usable = [b for b in self.query(RadioButton) if not b.disabled]
        chosen = next((b for b in usable if b.name == name), None)
        if chosen is None:  # saved on a device this machine lacks: the engine falls back too
            chosen = next((b for b in usable if b.name in ("auto", "cpu")), None)
        if chosen is not None:
            chosen.value = True

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
