"""The plot's title names its scale and smoothing the same way in every view."""

from __future__ import annotations

import pytest

from tui.widgets.curve_controls import PlotControls
from tui.widgets.curve_readout import title
from tui.widgets.curve_series import VIEWS


@pytest.mark.parametrize("view", VIEWS)
def test_every_view_says_its_smoothing_once_in_the_same_words(view: str) -> None:
    # The per-step view read "(log, smoothed, smoothing 0.6)".
    smoothed = title(view, PlotControls(smoothing=0.6))
    assert "(log, smoothing 0.6)" in smoothed and "smoothed" not in smoothed, smoothed
    assert "smoothing" not in title(view, PlotControls(smoothing=0.0))


def test_the_per_step_curve_says_smoothed_only_when_it_is() -> None:
    # It read "(log, smoothed)" with ctrl+g at 0: its points are the batch reports as they came.
    assert "(log)" in title("per step", PlotControls(smoothing=0.0))
