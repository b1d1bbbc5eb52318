"""The load dialog names a run as the runs table will once it is loaded: a run saved after F8
changed its lr reads "lr 1→3" there, as in the table (the dialog said "lr 1", the name it was
given, beside a table row and messages saying "lr 1→3")."""

from __future__ import annotations

from pathlib import Path

from helpers import INSPECT_TEXT, listed_saves, make_app, small_trainer

from engine import session as sess
from engine.data import corpus as corpus_module
from engine.session import list_sessions


def _saved_at_lr(folder: Path, label: str, lr: float) -> Path:
    text_file = folder / "tiny.txt"
    text_file.write_text(INSPECT_TEXT, encoding="utf-8")
    trainer = small_trainer(corpus_module.load_corpus(str(text_file), max_chars=0), lr=1.0,
                            hidden=8, num_steps=5, epochs=1, pred_period=0)
    trainer.set_lr(lr)
    return sess.save_session(folder / "run.rnnplay", trainer, label=label)


def test_the_listing_reads_the_lr_a_run_was_saved_at(tmp_path: Path) -> None:
    _saved_at_lr(tmp_path, "#1 scratch·lr 1", 3.0)
    (info,) = list_sessions(tmp_path)
    assert info.lr == 3.0 and info.label == "#1 scratch·lr 1"


async def test_the_dialog_names_the_run_with_its_lr_now(save_dir: Path, tmp_path: Path) -> None:
    save_dir.mkdir()
    _saved_at_lr(save_dir, "#1 scratch·lr 1", 3.0)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        table = await listed_saves(pilot, app, 1)
        row = [str(cell) for cell in table.get_row_at(0)]
        assert "#1 scratch·lr 1→3" in row, row
