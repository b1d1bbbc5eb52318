"""At 80x24 the load dialog's file column has ~9 cells: saves quitting wrote in one second, of
runs differing by lr alone, both read "…co…4108". What they share among themselves goes too."""

from __future__ import annotations

from tui.screens.load import shortened

# As quitting names them: four runs of a grid, one saved earlier by ctrl+s, one with no tag.
NAMES = [
    "jaychou-scratch-consec-lr1-20261208-004108",
    "jaychou-scratch-consec-lr100-20261208-004108",
    "jaychou-scratch-random-lr1-20261208-004039",
    "jaychou-scratch-random-lr100-20261208-004108",
    "jaychou-scratch-random-20261208-004209",
]


def test_names_alike_in_a_narrow_column_keep_only_what_differs() -> None:
    for room in (9, 12, 16, 20):
        shown = shortened(NAMES, room)
        assert len(set(shown)) == len(NAMES), (room, shown)
        assert all(len(name) <= room for name in shown), (room, shown)
        assert not any("……" in name for name in shown), (room, shown)
    assert shortened(NAMES, 9)[:2] == ["…lr1…", "…lr100…"]
