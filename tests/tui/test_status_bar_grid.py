"""The status line's progress bar takes only the steps it can show (tui/widgets/status.py)."""

from __future__ import annotations

from tui.widgets.status import _on_grid


def test_a_step_is_half_a_cell_or_half_a_percent_whichever_is_finer():
    # 300 epochs on 60 cells: 120 half cells, coarser than 200 half percents: 1.5 epochs a step.
    assert _on_grid(1.4, 300, 60) == 0.0
    assert _on_grid(1.5, 300, 60) == 1.5
    # 10 epochs on 150 cells: 300 half cells, a step of 1/30 epoch.
    assert _on_grid(0.5, 10, 150) == 0.5


def test_the_bar_never_runs_ahead_nor_lags_more_than_a_step():
    for total in (1, 3, 7, 40, 300, 1000):
        for cells in (1, 30, 117):
            step = total / max(200, 2 * cells)
            for n in range(0, 401):
                progress = total * n / 400
                shown = _on_grid(progress, total, cells)
                assert -1e-9 * total <= progress - shown < step + 1e-9 * total


def test_a_finished_run_fills_the_bar():
    for total in range(1, 60):
        assert _on_grid(float(total), total, 45) == total
