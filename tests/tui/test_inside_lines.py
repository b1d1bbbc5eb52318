"""The views' lines, drawn from the engine's real records of a small model: every character
appears once in its unit's colour, the heatmap's rows sit under the characters they describe,
and the rows fit the width and the room."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch
from rich.cells import cell_len
from rich.console import Console
from rich.style import Style

from engine.data.layout import SHOWN, BatchLayout, state_rule
from engine.data.vocab import Vocab
from engine.inspect.hidden_units import hidden_units
from engine.inspect.inspection import NextCharOdds
from engine.inspect.saliency import saliency
from engine.models.char_rnn import build_model
from engine.playground.events import EpochEnd
from tui.widgets.inside_lines import (
    LABEL,
    Lines,
    breaks,
    diverging,
    flow_lines,
    intensity,
    looks_at_lines,
    odds_lines,
    shown_char,
    units_lines,
)
from tui.widgets.layout_lines import layout_lines

VOCAB = Vocab.from_text("abcdefgh ij_.\n分开不我想")
TEXT = "abc 分开 fed_g.\nhab 我想 不 ij 分开 abcdefgh 我想我想我想 hij 分开不"


def _model(kind: str = "scratch"):
    torch.manual_seed(5)
    model = build_model(kind, len(VOCAB), 12, 1)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.5)
    return model


def _lines(width: int) -> Lines:
    return Lines(width, Style(), Console(width=200))


def _cells(strip) -> list[tuple[str, Style]]:
    """A strip's segments after the label, as (text, style)."""
    return [(s.text, s.style) for s in list(strip)[1:]]


def test_breaks_keep_wide_characters_whole_and_cover_the_text_once():
    text = "ab分开cd不\n"
    for width in (1, 2, 3, 5, 40):
        runs = breaks(text, width)
        assert [i for run in runs for i in run] == list(range(len(text)))
        for run in runs:
            cells = sum(cell_len(shown_char(text[i])) for i in run)
            assert cells <= width or len(run) == 1


@pytest.mark.parametrize("width", [30, 60, 120])
def test_each_character_in_its_units_colour_with_the_heatmap_beneath(width: int):
    hidden = hidden_units(_model(), VOCAB, TEXT, prompt_length=10, heatmap_units=5)
    unit = hidden.ranking("variance").units[0]
    lines = _lines(width)
    units_lines(lines, hidden, unit, "header", room=40)
    strips = lines.strips
    assert strips[0].text.startswith("header") and len(strips) <= 40
    stretches = breaks(hidden.text, width - LABEL)
    block = 1 + len(hidden.heatmap.units)
    head = len(strips) - len(stretches) * block  # the header's lines, as it wraps
    values = hidden.unit(unit)
    for b, stretch in enumerate(stretches):
        text_row = strips[head + b * block]
        assert text_row.text[:LABEL].strip() == str(unit)
        cells = _cells(text_row)
        assert "".join(t for t, _ in cells) == "".join(shown_char(hidden.text[i]) for i in stretch)
        for (_, style), i in zip(cells, stretch, strict=True):
            expected = diverging(values[i])
            assert style.bgcolor == expected.bgcolor
            assert bool(style.italic) == (i >= hidden.prompt_length)  # the completion's
        for r, unit_id in enumerate(hidden.heatmap.units):
            row = strips[head + 1 + b * block + r]
            assert row.text[:LABEL].strip() == str(unit_id)
            assert row.cell_length == text_row.cell_length <= width  # column under column
            for (_, style), i in zip(_cells(row), stretch, strict=True):
                assert style.bgcolor == diverging(hidden.heatmap.rows[r][i]).bgcolor


def test_a_short_room_keeps_the_text_first_then_its_latest_stretches():
    hidden = hidden_units(_model(), VOCAB, TEXT, heatmap_units=8)
    stretches = breaks(hidden.text, 24 - LABEL)
    unit = hidden.ranking("variance").units[0]
    text = ["".join(shown_char(hidden.text[i]) for i in run) for run in stretches]
    header = _lines(24)
    units_lines(header, hidden, unit, "header", room=1)
    head = len(header.strips) - 1  # the header's lines at this width, then one stretch
    for room, rows in ((head + 2 * len(stretches), 1), (head + len(stretches), 0), (head + 2, 0)):
        lines = _lines(24)  # stretches of at most 19 cells
        units_lines(lines, hidden, unit, "header", room=room)
        assert len(lines.strips) <= room
        shown = [s.text[LABEL:].rstrip() for s in lines.strips[head:] if s.text[LABEL:].strip()]
        assert shown == text[-(room - head):]
        assert len(lines.strips) - head == len(shown) * (1 + rows)


def test_lstm_cell_state_is_scaled_into_the_colours():
    hidden = hidden_units(_model("lstm"), VOCAB, TEXT, state="c")
    unit = hidden.ranking("variance").units[0]
    lines = _lines(200)
    units_lines(lines, hidden, unit, "header", room=3)
    values = [v for v in hidden.unit(unit) if v is not None]
    scale = max(abs(v) for v in values)
    styles = [style for _, style in _cells(lines.strips[1])]
    top = max(range(len(values)), key=lambda i: abs(values[i]))
    assert styles[top].bgcolor == diverging(values[top] / scale).bgcolor
    assert abs(values[top] / scale) == 1.0


def test_what_the_prediction_looks_at_is_shaded_by_its_share():
    looks = saliency(_model(), VOCAB, TEXT[:20])
    lines = _lines(16)
    looks_at_lines(lines, looks)
    rows = lines.strips[-len(breaks(looks.text, 16)):]  # under the header, as it wraps
    cells = [(s.text, s.style) for strip in rows for s in strip]
    assert "".join(t for t, _ in cells) == "".join(map(shown_char, looks.text))
    assert [s.bgcolor for _, s in cells] == [intensity(v).bgcolor for v in looks.shown]


def _flow(norms: tuple[float, ...]) -> EpochEnd:
    return EpochEnd(epoch=3, epochs=9, perplexity=5.0, seconds=1.0, chars_per_sec=1.0,
                    grad_norm=1.0, lr=1.0, grad_through_time=norms, clipped_share=0.0)


@pytest.mark.parametrize(
    "norms,says,never",
    [
        ((1e-6, 1e-4, 1e-2, 1.0), "shrinks 1e+06×: it vanishes back through time", "explod"),
        ((50.0, 5.0, 0.5), "grows 100×: it explodes back through time", "vanish"),
        ((1.0, 0.9, 1.2), "neither vanishing nor exploding", "vanishes"),
    ],
    ids=["vanishing", "exploding", "steady"],
)
def test_the_flow_caption_says_what_the_profile_shows(norms, says: str, never: str):
    # Measured from the last step's loss, a healthy tanh run's gradient shrinks towards t=1:
    # the caption must not call that exploding.
    lines = _lines(300)
    flow = _flow(norms)
    flow_lines(lines, flow, clip=1.0, cell="tanh")
    text = " ".join(strip.text for strip in lines.strips)
    assert "|∂ℓ_T/∂H_t| on epoch 3's last batch" in text
    assert "ℓ_T is the last step's loss" in text and "from t=" in text
    assert says in text and never not in text


def test_the_flow_verdict_is_in_the_four_rows_an_80x24_pane_shows():
    # At 80x24 the pane shows four rows of 76 cells: the verdict and the clipped share came
    # after the profile and its header, below them.
    lines = _lines(76)
    flow = replace(_flow((1e-6, 1e-4, 1e-2, 1.0) * 9), clipped_share=1.0)
    flow_lines(lines, flow, clip=1.0, cell="tanh")
    shown = " ".join(strip.text.strip() for strip in lines.strips[:4])
    assert "it vanishes back through time" in shown and "clipped in 100%" in shown, shown


def test_the_layout_says_where_the_batch_is_and_its_state_in_four_rows():
    # The tester's layout at 80x24 was cut inside its state's sentence: the header's batch
    # shape and the strip came first.
    layout = BatchLayout(
        sampling="consecutive", epoch=9, batch=4, batches=8, trained=1, run="stopped",
        batch_size=32, num_steps=35, train_chars=9000, starts=(0,) * 32,
        segments=("abc",) * 32, state=state_rule("consecutive", True, 4), strip=SHOWN * 50,
    )
    lines = _lines(60)
    layout_lines(lines, layout, warmup=0)
    shown = " ".join(strip.text.strip() for strip in lines.strips[:4])
    assert "batch 5/8 (stopped at batch 2)" in shown, shown
    assert "state: carried from batch 4" in shown and "gradients stop at the boundary" in shown
    assert "32 rows × 35 steps" in " ".join(strip.text for strip in lines.strips)


def test_the_lstm_cell_state_legend_is_its_own_scale_and_signs_are_explained():
    hidden = hidden_units(_model("lstm"), VOCAB, TEXT, state="c")
    unit = hidden.ranking("variance").units[0]
    lines = _lines(400)
    units_lines(lines, hidden, unit, "header", room=3)
    scale = max(abs(v) for v in hidden.unit(unit) if v is not None)
    legend = lines.strips[0].text
    assert f"blue -{scale:.3g} … red +{scale:.3g} (unbounded" in legend
    assert "-1 … red +1" not in legend
    assert "↵=newline, ·=space" in legend
    bounded = hidden_units(_model("lstm"), VOCAB, "abc", state="h")
    lines = _lines(400)
    units_lines(lines, bounded, 0, "header", room=3)
    assert "blue -1 … red +1" in lines.strips[0].text and "=space" not in lines.strips[0].text


def test_a_blank_next_character_says_which_it_is():
    odds = NextCharOdds(top=((" ", 0.5), ("\n", 0.3), ("a", 0.2)), entropy=1.0,
                        effective_choices=2.7)
    lines = _lines(40)
    odds_lines(lines, odds, room=4)
    rows = [strip.text for strip in lines.strips[:3]]
    assert rows[0].startswith(" · ") and rows[0].endswith(" 0.500 (space)")
    assert rows[1].startswith(" ↵ ") and rows[1].endswith(" 0.300 (newline)")
    assert rows[2].endswith(" 0.200") and all(len(row) <= 40 for row in rows)
