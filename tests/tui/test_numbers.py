"""Numbers as the panes print them stay within their columns, however far a run diverges."""

from __future__ import annotations

import pytest

from tui.numbers import perplexity_text, tick_text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.14, "1.14"),
        (999.99, "999.99"),
        (1234.5, "1.2k"),
        (999_949.0, "999.9k"),
        (999_951.0, "1.0e+06"),
        (901_990_414_004_421_000.0, "9.0e+17"),  # a diverged run's, seen overrunning the table
        (float("inf"), "inf"),
        (float("nan"), "nan"),
    ],
)
def test_a_perplexity_takes_at_most_seven_characters(value: float, text: str) -> None:
    assert perplexity_text(value) == text and len(text) <= 7


@pytest.mark.parametrize(
    ("value", "text"), [(2.0, "2"), (200.0, "200"), (2500.0, "2.5k"), (1e8, "1e+08")]
)
def test_ticks_past_a_million_are_powers_of_ten_not_thousands(value: float, text: str) -> None:
    assert tick_text(value) == text
