"""Load: the saves in the save folder (newest first), or any path typed in."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Static

from tui.labels import label_now
from tui.numbers import perplexity_text
from tui.paths import local_time, printable

if TYPE_CHECKING:
    from engine.playground import SessionInfo

# "run": the run's name in the app ("#6 scratch·lr 10"): saves of one setup at lr 1 and lr 10
# differ by it alone. "model" goes where every run's name says it ("#1 scratch"): at 80 columns
# its cells left the file name 5 ("…0…33"), and saves of one run read alike.
HEADERS = ("saved", "run", "model", "epoch", "ppl", "corpus", "file (.rnnplay)")
MODEL = HEADERS.index("model")
DIVERGED = "diverged"  # in the ppl column: a run that diverged loads to be looked at, not trained
NAME_ROOM = 20  # cells the file name should get: below that (or the longest), dates drop their year
CORPUS_ROOM = 12  # a corpus file's name past this is shortened in its middle
# A run's name past this is shortened in its middle: its number and what tells it apart (the
# end of its tag) stay. The runs table's room for one (engine.playground.labels.LABEL_CELLS):
# a new run's name fits it whole ("#2 scratch·consec·lr 30" read "#2 scra…h·consec·lr 30").
LABEL_ROOM = 24


def elide_middle(name: str, width: int) -> str:
    """`name` in at most `width` cells, its middle replaced by "…" when it must be: the start
    and the end (a save's epoch and time) are what tell files apart. Counted in cells, so a
    name in wide characters (CJK) is as wide as its column."""
    if cell_len(name) <= width or width < 5:
        return name
    tail_room = (width - 1) * 2 // 3
    head = _fit(name, width - 1 - tail_room)
    tail = _fit(name[::-1], width - 1 - cell_len(head))[::-1]
    return head + "…" + tail


def shortened(names: list[str], room: int) -> list[str]:
    """The names in at most `room` cells each, told apart. Names too long for it with as many
    "-"-separated parts as each other (ctrl+s names: corpus-model-sampling-date-time, "-2" after
    them for a second save in one second) lose the parts they all share first, "…" in their
    place, and so do the parts every name too long holds: what is left is what differs, and only
    then is a name's middle cut. Cut in the middle alone, three saves of one corpus and model
    showed as one name three times."""
    groups: dict[int, list[list[str]]] = {}
    for name in names:
        if cell_len(name) > room:
            groups.setdefault(_places(name), []).append(name.split("-"))
    # The places all of a group's names have: the "-2" that some lack stays.
    shared = {places: _shared(group, places) for places, group in groups.items() if len(group) > 1}
    # ... and the parts every long name holds, however many it has (the corpus, the day): a run's
    # name alone in its group ("jaychou-scratch-…-212519" beside "jaychou-scratch-consec-lr30-…")
    # was cut in its middle ("jay…2519") while the others kept their time whole.
    long = [parts[: places - 1] for places, group in groups.items() for parts in group]
    everywhere = set.intersection(*map(set, long)) if len(long) > 1 else set()
    out = [_without(name, room, shared, everywhere) for name in names]
    # Two files saved in one second (quitting saves every run at once) may then read alike:
    # those keep what their group alone shares out.
    out = [_without(name, room, shared, set()) if out.count(short) > 1 else short
           for name, short in zip(names, out, strict=True)]  # fmt: skip
    return _apart(names, out, room)


def _apart(names: list[str], out: list[str], room: int) -> list[str]:
    """Names still shown alike lose what they share among themselves too, their time included
    ("…lr1…" beside "…lr100…": at 80 columns both read "…co…4108", saved in one second by
    runs of one sampling); what is left is what differs."""
    out = list(out)
    for short in {short for short in out if out.count(short) > 1}:
        alike: dict[int, list[int]] = {}
        for i, name in enumerate(names):
            if out[i] == short:
                alike.setdefault(_places(name), []).append(i)
        for places, group in alike.items():
            if len(group) > 1:
                same = {i for i in range(places)
                        if len({names[j].split("-")[i] for j in group}) == 1}  # fmt: skip
                if len(same) < places:
                    for j in group:
                        out[j] = _without(names[j], room, {places: same}, set())
    return out


def _shared(group: list[list[str]], places: int) -> set[int]:
    """The places every name of `group` (each split at "-", `places` of them but a counter)
    has alike. The last, a save's time, only where the names differ elsewhere: files saved in
    one second (quitting saves every run at once) kept it, and their corpus-model-setting
    names, cut in their middles to make room for it, read alike ("…ra…002924" twice); where
    nothing else differs the time stays, "-2" beside it."""
    same = {i for i in range(places) if len({parts[i] for parts in group}) == 1}
    if len(same) == places:
        same.discard(places - 1)
    return same


def _without(name: str, room: int, shared: dict[int, set[int]], everywhere: set[str]) -> str:
    """`name` in `room` cells, "…" for the places its group shares and for the parts in
    `everywhere` (not its time), then cut in its middle if it must be."""
    same: set[int] = set()
    if cell_len(name) > room:
        places = _places(name)
        same = shared.get(places, set()) | {
            i for i, part in enumerate(name.split("-")[: places - 1]) if part in everywhere
        }
    if same:
        kept = [part if i not in same else "…" for i, part in enumerate(name.split("-"))]
        name = "-".join(kept)
        while "…-…" in name:
            name = name.replace("…-…", "…")
        name = name.replace("-…-", "…").replace("…-", "…").replace("-…", "…")
    # A cut beside a dropped part reads as one gap, not two ("…con……004108").
    return elide_middle(name, room).replace("……", "…")


def _places(name: str) -> int:
    """The name's "-"-separated parts but a save's counter at its end: a second and third save
    in one second ("…-034224-2", "-3") are shortened with the first, so they keep their time
    (among themselves alone they showed as "…2" and "…3")."""
    parts = name.split("-")
    return len(parts) - (len(parts) > 1 and bool(re.fullmatch(r"\d{1,3}", parts[-1])))


def _fit(text: str, width: int) -> str:
    """The longest start of `text` that takes at most `width` cells."""
    out, used = [], 0
    for ch in text:
        used += cell_len(ch)
        if used > width:
            break
        out.append(ch)
    return "".join(out)


def _shown_name(path: Path) -> str:
    # Sessions end in .rnnplay (the header says so): the room goes to what tells them apart.
    return printable(path.stem if path.suffix == ".rnnplay" else path.name)


def _name_now(info: SessionInfo) -> str:
    """The run's name as the runs table will show it once loaded: with the lr it was saved at,
    where F8 had changed the one its name holds ("#1 scratch·random·lr 1→3")."""
    return label_now(info.label, info.lr) if info.lr is not None else info.label


def _names_model(info: Any) -> bool:
    """Whether the run's name says its model, as the app names runs ("#1 scratch·lr 10")."""
    name = info.label.split(" ", 1)[-1] if info.label.startswith("#") else ""
    return name.split("·", 1)[0] == info.model != ""


def _without_model(cells: tuple[str, ...]) -> tuple[str, ...]:
    return cells[:MODEL] + cells[MODEL + 1 :]


class SavesTable(DataTable[Text]):
    """The saves, a row each. Home and End go to the first and last save: a row cursor has no
    columns to go to, and DataTable's own Home/End only scroll sideways (End did nothing)."""

    BINDINGS = [
        Binding("home", "scroll_top", "First save", show=False),
        Binding("end", "scroll_bottom", "Last save", show=False),
    ]


class LoadScreen(ModalScreen[str | None]):
    """Dismisses with the path of the session to load, or None when cancelled."""

    DEFAULT_CSS = """
    LoadScreen { align: center middle; }
    LoadScreen > Vertical {
        width: 98%; min-width: 76; max-width: 160; height: 80%;
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
        self.infos: list[Any] = []  # the saves listed, to fit again at a new width
        self._laid_out_for = 0  # the table's width the columns were fitted to

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(
                f"load a session from {printable(str(self.save_dir))} (Enter loads, Esc cancels)",
                markup=False,
            )
            yield Static(self.warning, id="load-warning", markup=False)
            yield SavesTable(id="saves", cursor_type="row", zebra_stripes=True)
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
        self.infos = infos
        self._lay_out(infos)
        empty = self.query_one("#load-empty", Static)
        if infos:
            empty.display = False
            self.query_one("#saves", DataTable).focus()
        else:
            empty.update(
                f"no saves in {printable(str(self.save_dir))} yet: ctrl+s saves the current run "
                "there (set RNNPLAY_SAVE_DIR to use another folder)"
            )
            self.query_one("#load-path", Input).focus()

    def on_resize(self) -> None:
        # The columns were fitted to the table's width when the saves were listed: a terminal
        # resized while the dialog is open fits them again once the table has its new width
        # (wider, the names cut for 80 columns stayed cut; narrower, they ran off the edge).
        self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        table = self.query_one("#saves", DataTable)
        if self.infos and table.size.width != self._laid_out_for:
            self._lay_out(self.infos)

    def _lay_out(self, infos: list[Any]) -> None:
        """The saves in the table's columns, fitted to its width; the cursor stays on its save."""
        table = self.query_one("#saves", DataTable)
        at = table.cursor_row if table.row_count else 0
        table.clear(columns=True)
        self.problems = {str(info.path): info.problem for info in infos if info.problem}
        self._laid_out_for = table.size.width
        width = table.size.width or 1000
        readable = [info for info in infos if info.problem is None]
        model = not readable or not all(map(_names_model, readable))
        headers = HEADERS if model else _without_model(HEADERS)
        rows = [self._cells(info, year=True, model=model) for info in infos]
        # The year goes before any name is shortened: "12-07 17:55" still says when, and a
        # name cut in its middle beside it left the tester's names hard to tell apart.
        longest = max((cell_len(cells[-1]) for cells in rows), default=0)
        if self._name_room(headers, rows, width) < max(NAME_ROOM, longest):
            rows = [self._cells(info, year=False, model=model) for info in infos]
        room = self._name_room(headers, rows, width)
        # The header is never cut: where the name has less room than it, it says less.
        table.add_columns(*headers[:-1], headers[-1] if room >= cell_len(headers[-1]) else "file")
        names = shortened([cells[-1] for cells in rows], room)
        ppl = headers.index("ppl")
        for info, cells, name in zip(infos, rows, names, strict=True):
            cells = (*cells[:-1], name)
            # Text, not str: a DataTable reads str cells as markup, and names may hold "[".
            styles = ["dim" if info.problem else ""] * len(cells)
            if info.problem is None and info.diverged:
                styles[ppl] = "bold red"
            table.add_row(*(Text(c, style=st) for c, st in zip(cells, styles, strict=True)),
                          key=str(info.path))  # fmt: skip
        if infos:
            table.move_cursor(row=min(at, len(infos) - 1), animate=False)

    @staticmethod
    def _name_room(headers: tuple[str, ...], rows: list[tuple[str, ...]], width: int) -> int:
        """The cells the file name takes: what the other columns leave (each is padded by a cell
        on both sides; one more for the scrollbar), so it is shortened, never cut off."""
        others = sum(
            max([cell_len(h)] + [cell_len(r[i]) for r in rows]) + 2
            for i, h in enumerate(headers[:-1])
        )
        return width - others - 3

    @staticmethod
    def _cells(info: Any, year: bool, model: bool = True) -> tuple[str, ...]:
        """The row's cells, the model's among them unless `model` is False (every run's name
        says its model)."""
        saved = local_time(info.saved_at, year=year)
        if info.problem:
            # Listed, so the user sees why a file they expect is not offered: in the model's
            # column, or the run's where there is none.
            cells = (saved, "-" if model else "unreadable", "unreadable", "-", "-", "-",
                     _shown_name(info.path))  # fmt: skip
        else:
            ppl = perplexity_text(info.perplexity) if info.perplexity is not None else "-"
            cells = (
                saved,
                elide_middle(printable(_name_now(info)), LABEL_ROOM) or "-",
                printable(info.model),
                str(info.epoch),
                DIVERGED if info.diverged else ppl,
                elide_middle(printable(Path(info.corpus).name or info.corpus), CORPUS_ROOM),
                _shown_name(info.path),
            )
        return cells if model else _without_model(cells)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        path = event.row_key.value
        if path is None:
            return
        if path in self.problems:
            self.query_one("#load-warning", Static).update(
                f"{printable(Path(path).name)}: {printable(self.problems[path])}"
            )
            self.query_one("#load-warning", Static).display = True
            return
        self.dismiss(path)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(str(Path(event.value.strip()).expanduser()))

    def action_cancel(self) -> None:
        self.dismiss(None)
