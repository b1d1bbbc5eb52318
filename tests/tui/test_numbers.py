"""Numbers as the panes print them stay within their columns, however far a run diverges."""

from __future__ import annotations

import pytest

from tui.numbers import perplexity_text, rate_text, tick_text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.14, "1.14"),
        (999.99, "999.99"),
        (1234.5, "1.2k"),
        (999_949.0, "999.9k"),
        (999_951.0, "1.0e6"),
        (901_990_414_004_421_000.0, "9.0e17"),  # a diverged run's, seen overrunning the table
        (3.8e9, "3.8e9"),
        (6.0e12, "6.0e12"),  # ppl 3.8e+09 and val 6.0e+12 ran together, with no space between
        (1.7e308, "2e308"),
        (float("inf"), "inf"),
        (float("nan"), "nan"),
    ],
)
def test_a_perplexity_leaves_a_space_in_its_seven_wide_column(value: float, text: str) -> None:
    assert perplexity_text(value) == text and len(text) <= 6


@pytest.mark.parametrize(
    ("value", "text"),
    [(100.0, "100"), (0.001, "0.001"), (0.0005, "5e-4"), (1e-5, "1e-05"), (123.456, "123"),
     (0.25, "0.25"), (1e6, "1e+06")],
)  # fmt: skip
def test_a_learning_rate_leaves_a_space_in_its_six_wide_column(value: float, text: str) -> None:
    assert rate_text(value) == text and len(text) <= 5


@pytest.mark.parametrize(
    ("value", "text"), [(2.0, "2"), (200.0, "200"), (2500.0, "2.5k"), (1e8, "1e+08")]
)
def test_ticks_past_a_million_are_powers_of_ten_not_thousands(value: float, text: str) -> None:
    assert tick_text(value) == text
