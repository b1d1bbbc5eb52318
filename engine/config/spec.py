"""How a setting is declared (`setting(...)`, its `Setting`), and what is built from one
declaration: its `Spec` (parse what a user typed, write a value back, check type and bounds),
the field table of a config dataclass (`specs`) and `ConfigBase` (checking a whole config and
(de)serialising it for a session file)."""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from typing import Any, get_args, get_type_hints

from engine.config.numbers import parse_decimal, parse_whole

MAX_PREFIX_CHARS = 200  # characters in one piece of a text list (a sample prompt)
MAX_TEXT_CHARS = 4096  # a corpus path or device name
# How a yes/no setting may be typed (the form offers the first two).
YES_NO = {"yes": True, "no": False, "on": True, "off": False, "true": True, "false": False}


class ConfigError(ValueError):
    """A setting a user gave that cannot work; the message says which and why.

    `field` names the TrainConfig field at fault (None when it is not one field), so a form
    can mark the right input.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Setting:
    """What the program knows about one field besides its type and default."""

    help: str  # one line for --help and the form's error messages
    label: str = ""  # the setup form's label; "" keeps the field off the form
    noun: str = ""  # how messages name it ("learning rate"); default: the name, spaced
    choices: tuple[str, ...] = ()
    suggest: tuple[str, ...] = ()  # values a form offers to complete (any other is allowed)
    none: str = ""  # how a user writes None where it is allowed ("off"); "": an empty field
    ge: int | None = None  # whole numbers: the least allowed
    gt: float | None = None  # numbers: the value must be above this
    le: float | None = None  # the most allowed (for prefixes: how many)
    # Only changes what is shown (the samples), never the training arithmetic: free to change
    # when a saved session trains on, which stays bit-exact.
    shown_only: bool = False
    # Says how far or where to train, not what: may change when a saved session trains on.
    resumable: bool = False


def setting(default: Any, help: str, **how: Any) -> Any:
    """A dataclass field declared with its Setting (see the class for the keywords)."""
    return field(default=default, metadata={"setting": Setting(help, **how)})


@dataclass(frozen=True)
class Spec:
    """A field as the command line and the form see it: name, kind, default and its Setting."""

    name: str
    kind: type  # int, float, str, bool or tuple (of str)
    optional: bool  # None is allowed (and means "the default of the moment")
    default: Any
    setting: Setting

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def noun(self) -> str:
        return self.setting.noun or self.name.replace("_", " ")

    @property
    def options(self) -> tuple[str, ...]:
        """What a drop-down offers, as typed: the choices, yes/no for a yes/no setting, else ()."""
        return ("yes", "no") if self.kind is bool else self.setting.choices

    @property
    def may_change_on_resume(self) -> bool:
        return self.setting.shown_only or self.setting.resumable

    def parse(self, text: str) -> Any:
        """The value a user typed (command line or form), as the field's type; ConfigError if it
        is not one. Bounds are `check`'s job."""
        if self.kind is tuple:  # spaces are part of a prompt ("the "): only commas split
            return tuple(part for part in text.split(",") if part)
        text = text.strip()
        if self.optional and text.lower() == self.setting.none:
            return None
        if self.kind is bool:
            if text.lower() not in YES_NO:
                raise ConfigError(f"{self.noun} must be yes or no, not {text!r}", self.name)
            return YES_NO[text.lower()]
        try:
            if self.kind is int:
                return parse_whole(text)
            if self.kind is float:
                return parse_decimal(text)
        except OverflowError as err:
            s = self.setting
            raise ConfigError(f"{self.noun} is out of range: it must be a whole number from "
                              f"{s.ge:,} to {s.le:,}, not {err}", self.name) from None
        except ValueError:
            kind = ("a whole number" if self.kind is int else "a number") + self._or_none
            raise ConfigError(f"{self.noun} must be {kind}, not {text!r}", self.name) from None
        return text

    def text(self, value: Any) -> str:
        """The value as a user would type it back (parse(text(v)) == v)."""
        if value is None:
            return self.setting.none
        if self.kind is tuple:
            return ",".join(value)
        if self.kind is bool:
            return "yes" if value else "no"
        if self.kind is float:
            short = f"{value:g}"
            return short if float(short) == value else repr(float(value))
        return str(value)

    def check(self, value: Any) -> None:
        """Raise ConfigError unless value has the field's type and lies within its bounds."""
        if value is None and self.optional:
            return
        kind, s = self.kind, self.setting
        if kind is int:
            self._check_int(value)
        elif kind is float:
            self._check_float(value)
        elif kind is tuple:
            self._check_strings(value)
        elif kind is bool:
            if type(value) is not bool:
                raise ConfigError(f"{self.noun} must be yes or no, not {_show(value)}", self.name)
        elif not isinstance(value, str) or len(value) > MAX_TEXT_CHARS:
            raise ConfigError(f"{self.noun} must be text, not {_show(value)}", self.name)
        elif s.choices and value not in s.choices:
            raise ConfigError(
                f"{self.noun} must be one of {', '.join(s.choices)}, not {_show(value)}", self.name
            )

    def _check_int(self, value: Any) -> None:
        s = self.setting
        # bool is an int to Python, and 3.0 is not a count: both are refused, whatever their value.
        if type(value) is not int or not (s.ge is None or value >= s.ge) or not (
            s.le is None or value <= s.le
        ):
            raise ConfigError(
                f"{self.noun} must be a whole number from {s.ge:,} to {s.le:,}, "
                f"not {_show(value)}",
                self.name,
            )

    def _check_float(self, value: Any) -> None:
        s = self.setting
        # An int is compared exactly (math.isfinite would overflow on 10**400).
        ok = type(value) is int or (type(value) is float and math.isfinite(value))
        if type(value) in (int, float) and s.le is not None and value > s.le:  # inf too
            # The bound only where it is the problem, written plainly: "(at most 3.4e+38)"
            # beside a -5 puzzled a student.
            raise ConfigError(
                f"{self.noun} must be at most {_plain(s.le)}, not {_show_number(value)}",
                self.name,
            )
        if not ok or not (s.gt is None or value > s.gt):
            above = ("a positive number" if s.gt == 0 else f"a number above {s.gt:g}")
            raise ConfigError(
                f"{self.noun} must be {above}{self._or_none}, not {_show_number(value)}",
                self.name,
            )

    @property
    def _or_none(self) -> str:
        """" or off" where a named word means None, for messages."""
        return f" or {self.setting.none}" if self.optional and self.setting.none else ""

    def _check_strings(self, value: Any) -> None:
        count = self.setting.le
        if (
            not isinstance(value, tuple)
            or (count is not None and len(value) > count)
            or not all(isinstance(v, str) and 0 < len(v) <= MAX_PREFIX_CHARS for v in value)
        ):
            raise ConfigError(
                f"{self.noun} must be at most {count:g} pieces of text of 1 to "
                f"{MAX_PREFIX_CHARS} characters, not {_show(value)}",
                self.name,
            )


def _plain(bound: float) -> str:
    """A bound as a student reads it: about 3.4 × 10^38 rather than 3.4e+38."""
    if bound < 1e6:
        return f"{bound:g}"
    mantissa, exponent = f"{bound:.2g}".split("e")
    return f"about {mantissa} × 10^{int(exponent)}"


def _show_number(value: Any) -> str:
    """A value given for a decimal setting, as it was typed: -5, not -5.0."""
    if type(value) is float:
        short = f"{value:g}"
        return short if float(short) == value or math.isnan(value) else repr(value)
    return _show(value)


def _show(value: Any) -> str:
    """A value inside a message: short, even when a hostile file made it huge."""
    try:
        text = repr(value)
    except ValueError:  # an int past Python's 4,300-digit conversion limit
        return "a number too large to show"
    return text if len(text) <= 60 else text[:57] + "..."


@functools.cache
def specs(cls: type) -> tuple[Spec, ...]:
    """The settings of a config dataclass, in declaration order."""
    hints = get_type_hints(cls)
    out = []
    for f in fields(cls):
        hint = hints[f.name]
        args = [a for a in get_args(hint) if a is not type(None)]
        optional = type(None) in get_args(hint)
        kind = (args[0] if optional else getattr(hint, "__origin__", hint)) if args else hint
        default = f.default if f.default is not MISSING else None
        out.append(Spec(f.name, kind, optional, default, f.metadata["setting"]))
    return tuple(out)


def spec_of(cls: type, name: str) -> Spec:
    """One field's Spec (KeyError if the dataclass has no such field)."""
    for spec in specs(cls):
        if spec.name == name:
            return spec
    raise KeyError(name)


class ConfigBase:
    """Checking and (de)serialising shared by the config dataclasses."""

    def check_values(self) -> None:
        """Raise ConfigError naming the first field whose value has the wrong type or range."""
        for spec in specs(type(self)):
            spec.check(getattr(self, spec.name))

    def to_dict(self) -> dict[str, Any]:
        return {
            spec.name: list(v) if isinstance(v := getattr(self, spec.name), tuple) else v
            for spec in specs(type(self))
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Any:
        """Build from to_dict()'s output (a session file), checking every value as strictly as
        the command line does; anything else raises ConfigError, never TypeError."""
        if not isinstance(d, Mapping):
            raise ConfigError(f"settings must be a mapping, not {type(d).__name__}")
        table = {spec.name: spec for spec in specs(cls)}
        unknown = set(d) - set(table)
        if unknown:
            raise ConfigError(f"unknown settings: {', '.join(sorted(map(str, unknown)))}")
        values = {
            name: tuple(value) if table[name].kind is tuple and isinstance(value, list) else value
            for name, value in d.items()
        }
        config = cls(**values)
        config.check()
        # JSON may write 100.0 as 100; only once checked is such an int known to fit a float.
        floats = {spec.name: float(v) for spec in specs(cls)
                  if spec.kind is float and type(v := getattr(config, spec.name)) is int}
        return replace(config, **floats)
