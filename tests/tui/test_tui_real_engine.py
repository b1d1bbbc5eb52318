"""The app on the real engine (tiny corpus and model): training, curves and the prompt."""

from __future__ import annotations

from pathlib import Path

from conftest import wait_for
from screen_text import screen_text

from tui.app import AppOptions, RnnplayApp
from tui.engine_port import real_engine
from tui.widgets.curves import CurvesPlot
from tui.widgets.prompt import PromptPane

TINY = "分开 不分开 我不能再想 我不要再想 爱情走的太快就像龙卷风 " * 12


async def test_real_engine_trains_and_completes(tmp_path: Path) -> None:
    corpus = tmp_path / "tiny.txt"
    corpus.write_text(TINY, encoding="utf-8")
    setup = {
        "corpus": str(corpus),
        "max_chars": "0",
        "hidden": "32",
        "batch_size": "4",
        "num_steps": "8",
        "epochs": "15",
        "lr": "1",
        "device": "cpu",
    }
    app = RnnplayApp(real_engine(), AppOptions(train=True, setup=setup, prompt="分"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", timeout=60, what="real run")
        plot = app.query_one(CurvesPlot)
        run = plot.runs[0]
        assert len(run.epochs) == 15
        assert run.perplexity[-1] < run.perplexity[0]
        assert run.vocab_size == len(set(TINY))
        prompt = app.query_one(PromptPane)
        await pilot.press("开")
        await wait_for(pilot, lambda: prompt._completed_for == "分开", timeout=10)
        completion = prompt.visible_completion()
        assert len(completion) == 50 and set(completion) <= set(TINY)
        await pilot.press("Z")  # not in the vocabulary: marked, never a crash
        await wait_for(pilot, lambda: "Z" in prompt._unknown, timeout=10)
        await pilot.pause(0.3)
        text = screen_text(app)
        assert "epoch 15/15" in text and "ppl" in text
