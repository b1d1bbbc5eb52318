"""Look inside a saved session's model, as the app's views do, as tab-separated text: per
character of TEXT, the activations of the top hidden units (and, with --saliency, how strongly
each character sways the next prediction); or, with --odds, the likeliest next characters and
the entropy of the odds; or, with --step, one time step term by term (the app's model view).
Lines starting with '#' say what the columns are."""

from __future__ import annotations

import argparse
import sys

from engine.generation.generate import Completer
from engine.inspect.hidden_units import RANKINGS
from engine.inspect.inspection import Inspection, inspect_prompt
from engine.inspect.step import WINDOW, prompt_steps
from rnnplay.complete_cmd import shown_char
from rnnplay.headless import print_lines
from rnnplay.inspect_step import step_lines
from rnnplay.options import options_given, whole_number
from rnnplay.prompt_model import open_prompt_model

DEFAULT_UNITS = 8
RANK_CHOICES = tuple(name.replace(" ", "-") for name in RANKINGS)
# Options that shape the units table: they mean nothing with --odds.
TABLE_OPTIONS = ("units", "layer", "state", "rank", "saliency")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("path", metavar="PATH", help="a session file saved by rnnplay")
    add("text", metavar="TEXT", nargs="?", default=None,
        help="text to feed the model (default: the prompt saved with the session)")
    add("--units", type=whole_number, metavar="K",
        help=f"show the top K hidden units (default {DEFAULT_UNITS}, at most the hidden size)")
    add("--layer", type=whole_number, metavar="N",
        help="the layer whose units are shown, 1 = the first (default: the last)")
    add("--state", choices=("h", "c"),
        help="h, the hidden state (default), or c, an LSTM's cell state")
    add("--rank", choices=RANK_CHOICES,
        help="rank the units by their variance over the text (the default), or by how they "
        "follow letters vs spaces and punctuation (in-word), or the characters since the "
        "last space or newline (since-space)")
    add("--saliency", action="store_true",
        help="add a column: the gradient norm of the likeliest next character's "
        "log-probability with respect to each character's input")
    add("--odds", type=whole_number, metavar="K",
        help="instead of the table, the K likeliest next characters after the text with "
        "their probabilities, <char> TAB <prob>, after a line with the entropy")
    add("--step", type=int, nargs="?", const=-1, metavar="N",
        help="instead of the table, the model's time step at TEXT's Nth character (default: "
        "the last) term by term, as the app's model view shows it: the parameters' shapes, "
        "X_t's one-hot index, X_t W_xh, H_(t-1) W_hh, the bias, the gates, H_t (norm and first "
        "units), the likeliest next characters' logits and probabilities, the perplexity")


class UsageError(Exception):
    """A value the command cannot use; str(error) is the message."""


def run(args: argparse.Namespace) -> int:
    try:
        _check_options(args)
    except UsageError as err:
        print(f"rnnplay inspect: {err}", file=sys.stderr)
        return 2
    opened = open_prompt_model(args.path, "inspect")
    if opened is None:
        return 1
    session, completer = opened
    text = session.prompt if args.text is None else args.text
    try:
        seen = _inspect(completer, text, args)
        position = None if args.step is None else _step_position(text, args.step)
    except UsageError as err:
        print(f"rnnplay inspect: {err}", file=sys.stderr)
        return 2
    if position is not None:
        lines = step_lines(prompt_steps(completer), position)
    elif args.odds is not None:
        lines = _odds_lines(seen)
    else:
        lines = _table_lines(seen, completer, args)
    return print_lines("inspect", lines)


def _check_options(args: argparse.Namespace) -> None:
    if args.step is not None:
        given = options_given(args, (*TABLE_OPTIONS, "odds"))
        if given:
            raise UsageError(f"--step prints one time step, not the units table or the odds: "
                             f"drop {given}")
    if args.odds is not None:
        if args.odds < 1:
            raise UsageError(f"--odds must be 1 or more, not {args.odds}")
        given = options_given(args, TABLE_OPTIONS)
        if given:
            raise UsageError(f"--odds lists the next characters' odds, not the units table: "
                             f"drop {given}")


def _inspect(completer: Completer, text: str, args: argparse.Namespace) -> Inspection:
    model = completer.model
    if not text:
        raise UsageError("nothing to inspect: give a TEXT (the session has no prompt)")
    unknown = "".join(dict.fromkeys(ch for ch in text if ch not in completer.vocab))
    if unknown:
        raise UsageError(f"the model does not know these characters: {unknown!r}; "
                         "leave them out of TEXT")
    units = DEFAULT_UNITS if args.units is None else args.units
    if not 1 <= units <= model.hidden:
        raise UsageError(f"--units must be 1 to {model.hidden} (the hidden size), not {units}")
    layer = model.layers if args.layer is None else args.layer
    if not 1 <= layer <= model.layers:
        raise UsageError(f"--layer must be 1 to {model.layers} (the model's layers), not {layer}")
    if args.state == "c" and model.kind != "lstm":
        raise UsageError(f"--state c is an LSTM's cell state; this model is {model.kind!r}: "
                         "drop --state")
    completer.set_text(text)
    return inspect_prompt(
        completer,
        0,
        k=args.odds or 1,
        layer=layer - 1,
        state=args.state or "h",
        heatmap_units=units,
        heatmap_ranking=(args.rank or RANK_CHOICES[0]).replace("-", " "),
    )


def _step_position(text: str, step: int) -> int:
    """The 0-based position of --step's character (-1: the last)."""
    if step == -1:
        return len(text) - 1
    if not 1 <= step <= len(text):
        raise UsageError(f"--step must be 1 to {len(text)} (TEXT's characters), not {step}")
    if len(text) - step >= WINDOW:
        raise UsageError(f"--step shows TEXT's last {WINDOW} characters: {len(text) - WINDOW + 1} "
                         f"to {len(text)}, not {step}")
    return step - 1


def _odds_lines(seen: Inspection) -> list[str]:
    odds = seen.odds
    assert odds is not None  # the text is all known characters, and not empty
    return [
        f"# entropy {odds.entropy:.6g} nats, {odds.effective_choices:.6g} effective choices",
        *(f"{shown_char(ch)}\t{p:.6g}" for ch, p in odds.top),
    ]


def _table_lines(seen: Inspection, completer: Completer, args: argparse.Namespace) -> list[str]:
    hidden, model = seen.hidden, completer.model
    bounds = "in [-1, 1]" if hidden.bounded else "unbounded"
    lines = [
        f"# {model.kind} model, layer {hidden.layer + 1} of {model.layers}, state {hidden.state} "
        f"({bounds}); the top {len(hidden.heatmap.units)} of {model.hidden} units by "
        f"{hidden.heatmap.ranking}"
    ]
    header = ["pos", "char"]
    looks_at = seen.saliency if args.saliency else None
    if looks_at is not None:
        lines.append(
            f"# saliency: gradient norm of log p({looks_at.target!r}) = {looks_at.log_prob:.6g}, "
            "the likeliest next character, per input character"
        )
        header.append("saliency")
    header += [f"u{unit}" for unit in hidden.heatmap.units]
    lines.append("\t".join(header))
    for j, (ch, row) in enumerate(zip(hidden.text, hidden.activations, strict=True)):
        assert row is not None  # every character is known
        cells = [str(j), shown_char(ch)]
        if looks_at is not None:
            cells.append(f"{looks_at.raw[j]:.6g}")
        cells += [f"{row[unit]:.6g}" for unit in hidden.heatmap.units]
        lines.append("\t".join(cells))
    return lines
