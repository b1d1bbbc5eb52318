"""Command-line options built from the settings' declarations in engine/config/settings.py.

Every setting option defaults to argparse.SUPPRESS: an option the user did not give is absent
from the parsed namespace, so `given` knows exactly what was typed (a resumed session can refuse
`--hidden 256` by name even when 256 is the default), and the dataclass defaults stay the only
defaults.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any

from engine.config import (
    ConfigError,
    CorpusConfig,
    Spec,
    TrainConfig,
    parse_decimal,
    parse_whole,
    specs,
)

METAVARS = {int: "N", float: "X"}


def add_settings(
    parser: argparse.ArgumentParser,
    cls: type,
    include: Callable[[Spec], bool] = lambda spec: True,
    notes: dict[str, str] | None = None,
) -> None:
    """An option per field of the config dataclass `cls` that `include` accepts; `notes` adds
    a command's own words to a field's help."""
    for spec in specs(cls):
        if not include(spec):
            continue
        help_text = spec.setting.help
        if spec.default is not None and spec.kind is not tuple:
            help_text += f", default {spec.text(spec.default)}"
        if notes and spec.name in notes:
            help_text += f"; {notes[spec.name]}"
        if spec.kind is bool:  # a yes/no setting is a pair of flags: --detach / --no-detach
            parser.add_argument(
                spec.flag,
                dest=spec.name,
                action=argparse.BooleanOptionalAction,
                default=argparse.SUPPRESS,
                help=help_text.replace("%", "%%"),
            )
            continue
        parser.add_argument(
            spec.flag,
            dest=spec.name,
            type=_parser(spec),
            choices=spec.setting.choices or None,
            default=argparse.SUPPRESS,
            metavar=None if spec.setting.choices else METAVARS.get(spec.kind, spec.name.upper()),
            help=help_text.replace("%", "%%"),
        )


def _parser(spec: Spec) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            return spec.parse(text)
        except ConfigError as err:  # argparse prints it as a one-line usage error
            raise argparse.ArgumentTypeError(str(err)) from None

    parse.__name__ = spec.name
    return parse


def whole_number(text: str) -> int:
    """argparse's type for a command's own counts (--chars, --units): ASCII digits, as the
    settings take them (int() would take "٣" and "1_0")."""
    try:
        return parse_whole(text)
    except OverflowError as err:
        raise argparse.ArgumentTypeError(f"out of range: {err}") from None
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None


def number(text: str) -> float:
    """argparse's type for a command's own numbers (--temperature): ASCII, as the settings."""
    try:
        return parse_decimal(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, not {text!r}") from None


def given(args: argparse.Namespace, cls: type) -> dict[str, Any]:
    """The fields of `cls` the user gave on the command line, with their values."""
    return {spec.name: getattr(args, spec.name) for spec in specs(cls) if hasattr(args, spec.name)}


def flags(names: list[str] | set[str]) -> str:
    """Option names as typed: ['batch_size'] -> '--batch-size'."""
    return ", ".join("--" + name.replace("_", "-") for name in sorted(names))


def options_given(args: argparse.Namespace, names: Sequence[str]) -> str:
    """Those of the options `names` (left at None or False when not given) that the command line
    gave, as typed and in the order of `names` ('--units, --saliency'); '' when none was: what
    a refusal of options that mean nothing together names."""
    given = [name for name in names if getattr(args, name) not in (None, False)]
    return ", ".join("--" + name.replace("_", "-") for name in given)


def as_typed(err: Exception) -> str:
    """An engine error's message with the setting it tells the user to change (its `field`,
    named by the setting's noun, as the app's form labels it) named by its flag instead."""
    field = getattr(err, "field", None)
    for spec in (*specs(CorpusConfig), *specs(TrainConfig)):
        if spec.name == field:
            return str(err).replace(spec.noun, spec.flag, 1)
    return str(err)
