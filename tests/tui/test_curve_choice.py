"""Which runs the plot draws (tui/widgets/curve_choice.py), on the plot's own run records: the
order it draws them in, colours kept distinct, and the selected and marked runs always in."""

from __future__ import annotations

from tui.widgets.curve_choice import COLORS, MAX_DRAWN, Attention, choose
from tui.widgets.curve_series import RunSeries


def runs(n: int) -> list[RunSeries]:
    return [RunSeries(i, f"#{i} scratch", 21, None, color=COLORS[(i - 1) % len(COLORS)])
            for i in range(1, n + 1)]  # fmt: skip


def ids(drawn: list[RunSeries]) -> list[int]:
    return [run.run_id for run in drawn]


def test_the_selected_then_marked_then_training_then_newest():
    seven = runs(7)
    drawn = choose(seven, Attention(selected=2, marked=frozenset({1}), training=frozenset({3})))
    assert ids(drawn) == [2, 1, 3, 7, 6]
    assert [run.run_id for run in seven if run.dropped] == [4, 5]
    # #6 was given #1's colour (five runs apart): drawn beside it, it takes the free one.
    assert len({run.color for run in drawn}) == MAX_DRAWN
    assert seven[0].color == "cyan" and seven[5].color != "cyan"


def test_hidden_runs_take_no_place_and_are_not_counted_as_left_out():
    seven = runs(7)
    seven[6].hidden = True
    assert ids(choose(seven, Attention())) == [6, 5, 4, 3, 2]
    assert [run.run_id for run in seven if run.dropped] == [1]


def test_every_marked_run_is_drawn_even_past_the_colours():
    seven = runs(7)
    drawn = choose(seven, Attention(selected=1, marked=frozenset(range(2, 8))))
    assert sorted(ids(drawn)) == list(range(1, 8)) and not any(run.dropped for run in seven)
