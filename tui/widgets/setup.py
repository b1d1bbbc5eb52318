"""The run setup form, built from the settings' declarations in engine/config/settings.py.

Every setting with a form label gets a row: a text input (the setting's options, such as the
models or yes/no, are completed as they are typed), except the device, whose radio buttons say
which devices this machine has. Each input refuses what the setting's own check refuses (type
and bounds: `SettingValidator`); whatever needs the corpus (a batch too large for the text, ...)
is checked when a run starts, and the message comes back here through `show_error`.

A field may hold a list (`lr 1, 10, 100`, `sampling random, consecutive`, `model scratch, rnn`;
not the sample prompts, which are a list themselves): F5 then starts one run per combination,
at most engine.playground.MAX_RUNS, and the border says how many (engine.playground.grid).

The form is an input: it shows what the user set up, never a run's state. Each model family has
its own lr (the book's SGD at 100 for scratch, Adam at 1e-3 for the nn models): the lr field
shows the family of the first model listed, and a value typed for one family stays with it. A
grid over models takes each family's own lr, unless the lr field holds a list: that sweep is
then asked of every model.
"""

from __future__ import annotations

from collections.abc import Iterator

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.css.query import NoMatches
from textual.suggester import Suggester
from textual.validation import ValidationResult, Validator
from textual.widgets import Input, Label, RadioButton, RadioSet, Static

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
from engine.playground import Grid, field_values

# Form rows in order: the settings with options, then the others (corpus first), then the
# device. Every row but the device's is typed.
FORM = tuple(spec for spec in (*specs(CorpusConfig), *specs(TrainConfig)) if spec.setting.label)
TYPED = (
    *(spec for spec in FORM if spec.options),
    *(spec for spec in FORM if not spec.options and spec.name != "device"),
)
LR, MODEL = spec_of(TrainConfig, "lr"), spec_of(TrainConfig, "model")
_BY_NAME = {spec.name: spec for spec in FORM}


class SettingValidator(Validator):
    """Refuses the text a setting's own check would refuse, with its message; `required`
    refuses an empty value even where the setting allows None ("the default"); `several`
    takes a comma-separated list of values (engine.playground.field_values)."""

    def __init__(self, spec: Spec, required: bool = False, several: bool = False) -> None:
        super().__init__()
        self.spec, self.required, self.several = spec, required, several

    def validate(self, value: str) -> ValidationResult:
        try:
            values = field_values(self.spec, value) if self.several else (self.spec.parse(value),)
            for parsed in values:
                self.spec.check(parsed)
        except ConfigError as err:
            return self.failure(str(err))
        if None in values and self.required:
            return self.failure(f"give a {self.spec.noun}")
        return self.success()


class PathInput(Input):
    """The corpus field: unfocused, it shows the end of what it holds, the file name (a long
    path showed its middle, cut at both ends, at 100 to 120 columns)."""

    def _show_end(self) -> None:
        self.cursor_position = len(self.value)
        self.scroll_to(x=self.max_scroll_x, animate=False, immediate=True)

    def on_resize(self) -> None:
        if not self.has_focus:
            self._show_end()

    def on_blur(self) -> None:
        self._show_end()


class SettingInput(Input):
    """A setting's field: unfocused, it shows the start of what it holds (a grid longer than
    the field, "random, consecutive", showed its end, "dom, consecutive", read as a value of
    its own); focused, its end, where the cursor is put to type on."""

    def on_blur(self) -> None:
        self.scroll_to(x=0, animate=False, immediate=True)

    def on_focus(self) -> None:
        self.cursor_position = len(self.value)


class DeviceButton(RadioButton):
    """A device's radio button whose mark says which is chosen without colour: ● or blank
    (Textual's shows ● on every button, the chosen one only brighter)."""

    @property
    def BUTTON_INNER(self) -> str:  # noqa: N802 - Textual reads the class's constant here
        return "●" if self.value else " "


class SuggestLast(Suggester):
    """Completes the value being typed (the last of a list) from the setting's options."""

    def __init__(self, options: tuple[str, ...]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.options = options

    async def get_suggestion(self, value: str) -> str | None:
        typed = value.rpartition(",")[2].lstrip()
        if not typed:
            return None
        found = next((o for o in self.options if o.startswith(typed) and o != typed), None)
        return None if found is None else value + found[len(typed):]


def _lr_label(model: str) -> str:
    """The lr row's label names the optimizer the lr is for: "lr (SGD)"."""
    return f"{LR.setting.label} ({OPTIMIZER[model]})"


def _first_model(text: str) -> str | None:
    """The first model a model field lists, if the field is valid."""
    try:
        return str(field_values(MODEL, text)[0])
    except ConfigError:
        return None


class SetupPane(VerticalScroll, can_focus=False):
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
    SetupPane RadioSet { border: none; padding: 0; width: 1fr; height: auto; }
    SetupPane #devices-label { color: $text-muted; }
    /* What the focused field means (its setting's help): shown only while a field has focus. */
    SetupPane #field-help { dock: bottom; height: auto; max-height: 5; color: $text-muted;
                            display: none; }
    SetupPane:focus-within #field-help { display: block; }
    SetupPane .reason { color: $text-disabled; height: auto; }
    SetupPane #setup-error { color: $error; height: auto; }
    """

    # ↑/↓ move between fields, as in a form: scrolling alone left the focus in a field
    # scrolled out of sight, and what was typed next went there. The device buttons (a
    # RadioSet) bind ↑/↓ themselves and keep them while focused.
    BINDINGS = [
        Binding("up", "field(-1)", "Previous field", show=False),
        Binding("down", "field(1)", "Next field", show=False),
    ]

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
        self._model = _first_model(self.initial.get("model", MODEL.default)) or MODEL.default
        self._lrs = {model: LR.text(lr) for model, lr in BOOK_LR.items()}
        if "lr" in self.initial:
            self._lrs[self._model] = self.initial["lr"]
        self._runs = 1  # how many runs F5 starts with the form as it is
        self._back = False  # the narrow layout: F4 goes back
        # The error shown is a refusal of no setting (a file that would not load): it says
        # nothing of the form, so it goes once the user moves on (clear_refusal).
        self._refusal = False
        self._show_title()

    def compose(self) -> ComposeResult:
        for spec in TYPED:
            label, default = spec.setting.label, spec.text(spec.default)
            if spec.name == "lr":
                label, default = _lr_label(self._model), self._lrs[self._model]
            if spec.name == "prefixes":
                default = ""  # empty: the corpus's own (engine.config.default_prefixes)
            options = spec.options or spec.setting.suggest
            field = PathInput if spec.name == "corpus" else SettingInput
            with Horizontal(classes="row"):
                yield Label(label, id=f"{spec.name}-label")
                yield field(
                    self.initial.get(spec.name, default),
                    id=spec.name,
                    compact=True,
                    validators=[SettingValidator(spec, several=spec.kind is not tuple)],
                    suggester=SuggestLast(options) if options else None,
                    select_on_focus=False,
                    placeholder="from the corpus" if spec.name == "prefixes" else "",
                )
        yield Label(spec_of(TrainConfig, "device").setting.label, id="devices-label")
        with RadioSet(id="device"):
            yield from self._device_buttons(self.devices)
        yield from self._device_reasons(self.devices)
        yield Static("", id="setup-error")
        yield Static("", id="field-help", markup=False)

    def _wanted_device(self) -> str:
        """The device the form chooses: the one given (--device), if this machine has it."""
        wanted = self.initial.get("device", "auto")
        names = [n for n, reason in self.devices if reason is None]
        return wanted if wanted in names else (names[0] if names else "cpu")

    def _device_buttons(self, devices: list[tuple[str, str | None]]) -> Iterator[DeviceButton]:
        wanted = self._wanted_device()
        for name, reason in devices:
            label = name if reason is None else f"{name} (unavailable)"
            yield DeviceButton(label, value=name == wanted, disabled=reason is not None, name=name)

    def _device_reasons(self, devices: list[tuple[str, str | None]]) -> Iterator[Static]:
        for name, reason in devices:
            if reason is not None:
                yield Static(f"{name}: {reason}", classes="reason")

    def set_devices(self, devices: list[tuple[str, str | None]]) -> None:
        """The machine's devices, once the core has asked torch: the form's first frame offers
        auto and the CPU only (torch is not loaded yet). The others join below them; the one
        given on the command line is chosen once it is there."""
        new = [(name, reason) for name, reason in devices
               if all(name != known for known, _ in self.devices)]  # fmt: skip
        self.devices = [*self.devices, *new]
        buttons = self.query_one("#device", RadioSet)
        buttons.mount_all(list(self._device_buttons(new)))
        self.mount_all(list(self._device_reasons(new)), before="#setup-error")
        wanted = self._wanted_device()
        for button in buttons.query(DeviceButton):
            if button.name == wanted and not button.value:
                button.value = True

    # -- behaviour ---------------------------------------------------------------------------
    def allow_focus_children(self) -> bool:
        # Tab cycles the panes; the form's fields join the cycle only while one of them has the
        # focus (F4, a click, a refused field), and the form itself is no stop (its fields
        # scroll into view as they take the focus). From 100 columns the form is always shown,
        # and Tab from the prompt walked every field before it reached the runs table.
        return self.has_focus_within

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # The label has room for a word; what the setting means (and costs: no detach, an
        # embedding) is its help, the same line `rnnplay train --help` prints.
        spec = _BY_NAME.get(event.widget.id or "")
        if spec is not None:
            help_line = f"{spec.setting.label}: {spec.setting.help}"
            self.query_one("#field-help", Static).update(help_line)

    def action_field(self, step: int) -> None:
        """Focus the field `step` places from the focused one (it scrolls into view)."""
        fields = [w for w in self.query("Input, RadioSet") if w.focusable]
        focused = self.screen.focused
        at = next((i for i, w in enumerate(fields)
                   if focused is w or (focused is not None and w in focused.ancestors)), None)
        if at is None:
            at = -1 if step > 0 else len(fields)
        target = at + step
        if 0 <= target < len(fields):
            fields[target].focus()

    def show_back_key(self, shown: bool) -> None:
        """The narrow layout: the border says F4 goes back to the rest."""
        self._back = shown
        self._show_title()

    def _show_title(self) -> None:
        runs = "F5 new run" if self._runs == 1 else f"F5: {self._runs} runs"
        self.border_title = f"setup · {runs}" + (" · F4 back" if self._back else "")

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "model":
            self._follow_family(event.value)
        result = event.validation_result
        if result is not None and not result.is_valid:
            self.show_error("; ".join(result.failure_descriptions))
            return
        try:
            grid = Grid(self._texts(), self._family_lr())
            self._runs = grid.size
            grid.runs()  # refuses a grid past the cap, saying so before F5 is pressed
            self.show_error("")
        except ConfigError as err:
            self.show_error(str(err))
        self._show_title()

    def _follow_family(self, text: str) -> None:
        """The lr field shows the lr of the first listed model's family."""
        model = _first_model(text)
        if model is None or model == self._model:
            return
        # An lr for SGD on the scratch model (100) diverges Adam at once, and Adam's (1e-3)
        # barely moves SGD: the field follows the family, keeping what was typed for each.
        lr = self.query_one("#lr", Input)
        self._lrs[self._model] = lr.value
        self._model = model
        lr.value = self._lrs[model]
        self.query_one("#lr-label", Label).update(_lr_label(model))

    def show_refusal(self, message: str) -> None:
        """A refusal the form holds no cause of (a load), shown until clear_refusal."""
        self.show_error(message)
        self._refusal = bool(message)

    def clear_refusal(self) -> None:
        """The user moved on (a run joined, another load asked): a refusal of no setting goes;
        an error in the form stays until the form changes."""
        if self._refusal:
            self.show_error("")

    def show_error(self, message: str, field_id: str | None = None) -> None:
        self._refusal = False
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

    def _texts(self) -> dict[str, str]:
        return {spec.name: self.query_one(f"#{spec.name}", Input).value for spec in TYPED}

    def _family_lr(self) -> dict[str, str]:
        """Each model family's lr as the form holds it: the field's for the family it shows."""
        return {**self._lrs, self._model: self.query_one("#lr", Input).value}

    def read_runs(self) -> tuple[list[dict[str, object]], str | None]:
        """One run's settings per combination of the fields' values (CorpusConfig and
        TrainConfig keyword arguments, typed, by field name, with the device), or ([], error)
        naming the field and the value its setting refuses, or how many runs past the cap."""
        try:
            runs = Grid(self._texts(), self._family_lr()).runs()
        except ConfigError as err:
            self.show_error(str(err), err.field)
            return [], str(err)
        self.show_error("")
        device = self.selected_device()
        return [{**run, "device": device} for run in runs], None
