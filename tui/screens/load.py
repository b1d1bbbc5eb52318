"""Load: the saves in the save folder (newest first), or any path typed in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Static

from tui.numbers import perplexity_text
from tui.paths import local_time

HEADERS = ("saved", "model", "epoch", "ppl", "corpus", "file (.rnnplay)")


def elide_middle(name: str, width: int) -> str:
    """`name` in at most `width` cells, its middle replaced by "…" when it must be: the start
    and the end (a save's epoch and time) are what tell files apart."""
    if cell_len(name) <= width or width < 5:
        return name
    tail = (width - 1) * 2 // 3
    return name[: width - 1 - tail] + "…" + name[-tail:]


def _shown_name(path: Path) -> str:
    # Sessions end in .rnnplay (the header says so): the room goes to what tells them apart.
    return path.stem if path.suffix == ".rnnplay" else path.name


class LoadScreen(ModalScreen[str | None]):
    """Dismisses with the path of the session to load, or None when cancelled."""

    DEFAULT_CSS = """
    LoadScreen { align: center middle; }
    LoadScreen > Vertical {
        width: 90%; min-width: 76; max-width: 120; height: 80%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    LoadScreen DataTable { height: 1fr; }
    LoadScreen #load-empty { color: $text-muted; height: auto; }
    LoadScreen #load-warning { color: $warning; height: auto; }
    LoadScreen .hint { color: $text-muted; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, save_dir: Path, lister: Callable[[Path], list[Any]], warning: str = ""
    ) -> None:
        super().__init__()
        self.save_dir = save_dir
        self.lister = lister  # engine.playground.list_saves: headers and sweep summaries only
        self.warning = warning
        self.problems: dict[str, str] = {}  # path -> why it cannot be loaded

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(
                f"load a session from {self.save_dir} (Enter loads, Esc cancels)", markup=False
            )
            yield Static(self.warning, id="load-warning", markup=False)
            table: DataTable[str] = DataTable(id="saves", cursor_type="row", zebra_stripes=True)
            table.add_columns(*HEADERS)
            yield table
            yield Static("reading the save folder...", id="load-empty", markup=False)
            yield Label("or a file (or sweep folder) anywhere:", classes="hint")
            yield Input(placeholder="path to a .rnnplay file or a sweep folder, Enter loads",
                        id="load-path")

    def on_mount(self) -> None:
        self.query_one("#load-warning", Static).display = bool(self.warning)
        self.list_saves()

    @work(thread=True, exclusive=True, group="list-saves")
    def list_saves(self) -> None:
        # Off the UI thread: the folder may be large or on a slow network disk.
        infos = self.lister(self.save_dir)
        self.app.call_from_thread(self.show_saves, infos)

    def show_saves(self, infos: list[Any]) -> None:
        table = self.query_one("#saves", DataTable)
        table.clear()
        self.problems = {str(info.path): info.problem for info in infos if info.problem}
        rows = [self._cells(info) for info in infos]
        # The file name takes the width the other columns leave (each column is padded by a
        # cell on both sides; one more for the scrollbar), so it is shortened, never cut off.
        others = sum(
            max([cell_len(h)] + [cell_len(r[i]) for r in rows]) + 2
            for i, h in enumerate(HEADERS[:-1])
        )
        room = table.size.width - others - 3 if table.size.width else 1000
        for info, cells in zip(infos, rows, strict=True):
            cells = (*cells[:-1], elide_middle(cells[-1], room))
            # Text, not str: a DataTable reads str cells as markup, and names may hold "[".
            style = "dim" if info.problem else ""
            table.add_row(*(Text(c, style=style) for c in cells), key=str(info.path))
        empty = self.query_one("#load-empty", Static)
        if infos:
            empty.display = False
            table.focus()
        else:
            empty.update(
                f"no saves in {self.save_dir} yet: ctrl+s saves the current run there "
                "(set RNNPLAY_SAVE_DIR to use another folder)"
            )
            self.query_one("#load-path", Input).focus()

    @staticmethod
    def _cells(info: Any) -> tuple[str, ...]:
        if info.problem:
            # Listed, so the user sees why a file they expect is not offered.
            return (local_time(info.saved_at), "unreadable", "-", "-", "-", _shown_name(info.path))
        return (
            local_time(info.saved_at),
            info.model,
            str(info.epoch),
            perplexity_text(info.perplexity) if info.perplexity is not None else "-",
            Path(info.corpus).name or info.corpus,
            _shown_name(info.path),
        )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        path = event.row_key.value
        if path is None:
            return
        if path in self.problems:
            self.query_one("#load-warning", Static).update(
                f"{Path(path).name}: {self.problems[path]}"
            )
            self.query_one("#load-warning", Static).display = True
            return
        self.dismiss(path)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(str(Path(event.value.strip()).expanduser()))

    def action_cancel(self) -> None:
        self.dismiss(None)
