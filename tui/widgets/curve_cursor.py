"""The plot's cursor: a point on the x axis that ←/→ and Home/End step through the points shown,
and the zoom keys that act where it is ("[" and "]" set a range's ends at it, +/- scale the shown
span around it).

The cursor is kept as an x value, not an index: new points, another run or a zoom move every
index, and the cursor stays on the epoch it was put on. Outside the shown range (or never put) it
reads as the last point shown, where new points arrive.
"""

from __future__ import annotations

import bisect

from tui.widgets.curve_controls import PlotControls
from tui.widgets.curve_frame import cursor_stops, x_range
from tui.widgets.curve_series import RunSeries


class PlotCursor:
    """Where the cursor is on the plot's x axis (in its unit), and the keys that move it or zoom
    at it. Each takes the view shown: its x axis decides where the cursor can stop."""

    def __init__(self, runs: list[RunSeries], controls: PlotControls) -> None:
        # The plot's own list and controls, read as points come and the user changes them.
        self._runs = runs
        self._controls = controls
        self.put: float | None = None  # where the keys put it; None: at the last point shown

    def forget(self) -> None:
        """Back to the last point: the x axis counts something else now (an epoch is no step)."""
        self.put = None

    def unit_changed(self) -> None:
        """The view's x axis counts something else: a range in the old unit means nothing now."""
        self.forget()
        if isinstance(self._controls.zoom, tuple):
            self._controls.zoom = None

    def at(self, view: str) -> float | None:
        """Where the cursor is: where it was put if that is shown, else the last point."""
        return self._at(self._stops(view))

    def move(self, view: str, step: int) -> bool:
        """`step` points later (earlier when negative), stopping at the shown range's ends;
        False: no points to stop at."""
        stops = self._stops(view)
        here = self._at(stops)
        if here is None:
            return False
        i = bisect.bisect_left(stops, here) + step
        self.put = stops[min(len(stops) - 1, max(0, i))]
        return True

    def to_end(self, view: str, end: int) -> bool:
        """To the first (0) or last (-1) point shown; False: no points."""
        stops = self._stops(view)
        if stops:
            self.put = stops[end]
        return bool(stops)

    def range_end(self, view: str, which: int) -> bool:
        """Set the zoomed range's start (0) or end (1) at the cursor; False: nothing changed."""
        here, data = self.at(view), self._data_range(view)
        return here is not None and data is not None and self._controls.set_end(here, which, data)

    def zoom_around(self, view: str, factor: float) -> bool:
        """Scale the shown span by `factor` around the cursor; False: no points."""
        here, data = self.at(view), self._data_range(view)
        shown = x_range(self._runs, view, self._controls)
        if here is None or shown is None or data is None:
            return False
        self._controls.zoom_around(here, factor, shown, data)
        return True

    def _stops(self, view: str) -> list[float]:
        return cursor_stops(self._runs, view, self._controls)

    def _at(self, stops: list[float]) -> float | None:
        inside = stops and self.put is not None and stops[0] <= self.put <= stops[-1]
        return self.put if inside else (stops[-1] if stops else None)

    def _data_range(self, view: str) -> tuple[float, float] | None:
        """All of the x axis the points span, whatever the zoom."""
        return x_range(self._runs, view, PlotControls(x_axis=self._controls.x_axis))
