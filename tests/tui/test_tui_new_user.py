"""What a new user met in an hour at 80x24 and 120x40 (issue 23's new-user items): the samples
pane, the decoding keys, reaching the prompt, newlines in it, what quitting keeps, the status
line's speed, and the prompt's settings in a session."""

from __future__ import annotations

import json
import re

from helpers import TINY_TEXT, make_app, meta_of, notified, wait_for, write_with_meta
from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widgets import Markdown

from tui.widgets.decoding_keys import CompletionSettings
from tui.widgets.line_fold import fold
from tui.widgets.prompt_line import prompt_line
from tui.widgets.prompt_text import PromptText
from tui.widgets.samples import SamplesLog


def pane_text(log: SamplesLog) -> str:
    """The rows the samples pane shows now, joined, all spaces dropped (a wrapped line loses
    the space it broke at)."""
    rows = (log.render_line(y).text for y in range(log.scrollable_content_region.height))
    return squeezed("".join(rows))


def squeezed(text: str) -> str:
    return "".join(text.split())


async def test_samples_wrap_at_80x24_and_the_newest_shows_whole(tmp_path):
    # Lyrics without spaces: to Rich one long word, which it moved whole off the label's row.
    lyrics = tmp_path / "no_spaces.txt"
    lyrics.write_text(TINY_TEXT.replace(" ", ""), encoding="utf-8")
    app = make_app(train=True, epochs="20", pred_period="1", pred_len="50", corpus=str(lyrics))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.state == "finished")
        samples = app.query_one(SamplesLog)
        trainer = app.playground._runs[1].trainer
        await wait_for(pilot, lambda: len(trainer.samples) >= 20, what="the samples")
        await pilot.pause(0.1)
        newest = trainer.samples[-1]
        assert len(squeezed(newest.text)) > 30, "a sample worth reading, two rows at 80 columns"
        assert not samples.show_horizontal_scrollbar, "whole samples wrap: nothing to scroll to"
        shown = pane_text(samples)
        assert squeezed(newest.text.replace("\n", "↵")) in shown, (newest.text, shown)


async def test_the_device_check_is_readable_in_the_samples_pane_at_80x24():
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.state == "finished")
        await pilot.press("ctrl+d")
        samples = app.query_one(SamplesLog)
        await wait_for(pilot, lambda: "GPU" in pane_text(samples), timeout=30)
        shown = pane_text(samples)
        # the threads are those the check's own thread has (1 or 2 here, as the cores allow)
        assert re.search(r"CPU,\d+threads?:\d", shown), shown
        assert not samples.show_horizontal_scrollbar


def test_top_k_from_greedy_switches_to_sampling():
    settings = CompletionSettings()
    assert settings.decoding.greedy
    sampled = settings.next_top_k()
    assert not sampled.decoding.greedy, "ctrl+k in greedy mode changed nothing"
    assert (sampled.decoding.temperature, sampled.decoding.top_k) == (1.0, 5)
    assert sampled.next_top_k().decoding.temperature == 1.0, "sampling keeps its temperature"


async def test_ctrl_k_in_greedy_mode_says_it_switched_to_sampling():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        prompt = app.main.prompt
        await wait_for(pilot, lambda: prompt.has_focus, what="the prompt focused")
        await pilot.press("ctrl+k")
        assert "top-k 5" in prompt.border_title and "greedy" not in prompt.border_title
        assert notified(app, "top-k applies when sampling")


async def test_status_speeds_share_one_window_and_help_defines_them():
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", what="the run finished")
        await pilot.pause()
        # chars/s and s/epoch both the last finished epoch's, the runs table's window (an
        # epoch's seconds beside another window's chars/s once disagreed).
        last = app.playground.summary(app.playground.selected).last
        numbers = str(app.main.status.query_one("#numbers").render())
        rate = last.chars_per_sec
        shown = f"{rate / 1000:.1f}k chars/s" if rate >= 1000 else f"{rate:.0f} chars/s"
        assert shown in numbers and f"{last.seconds:.2f} s/epoch" in numbers, numbers
        await pilot.press("f1")
        await pilot.pause()
        help_text = str(app.screen.query_one(Markdown).source)
        assert "s/epoch is a whole epoch at that pace" in help_text


async def test_a_session_keeps_the_prompts_decoding_and_length(save_dir, tmp_path):
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state == "finished")
        await pilot.press("ctrl+t", "ctrl+t", "ctrl+t", "ctrl+k", "ctrl+r", "pageup")
        title = app.main.prompt.border_title
        assert "T 1 · top-k 5 · seed 1 · 60 chars" in title, title
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: list(save_dir.glob("*.rnnplay")), what="saved")
    (path,) = save_dir.glob("*.rnnplay")
    meta = meta_of(path)
    del meta["prompt_settings"]
    old = tmp_path / "old.rnnplay"
    write_with_meta(old, path, json.dumps(meta))
    assert (await loaded_title(path)).endswith("T 1 · top-k 5 · seed 1 · 60 chars")
    assert (await loaded_title(old)).endswith("greedy · 50 chars"), "an old save: the defaults"


async def loaded_title(session) -> str:
    """The prompt's title once `session` has loaded at launch."""
    app = make_app(load=str(session))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state == "loaded", what="loaded")
        await pilot.pause()
        return app.main.prompt.border_title


async def test_quit_leaves_out_a_run_that_learned_nothing_and_says_so(save_dir):
    app = make_app(train=True, lr="1e30", clip="1e30")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.state == "diverged", what="diverged")
        assert app.playground.summaries()[0].unsaved
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: app.exit_notes, what="the quit's notes")
    assert not list(save_dir.glob("*.rnnplay")), "a diverged first epoch is not worth a file"
    assert any("not saved, nothing learned" in note and "#1" in note for note in app.exit_notes)


def test_pasted_line_breaks_stay_where_the_vocabulary_has_them():
    kept, _ = PromptText().inserted("ROMEO:\r\nWhat\rnow\n", line_breaks=True)
    assert kept.text == "ROMEO:\nWhat\nnow\n" and kept.cursor == len(kept.text)
    assert PromptText().inserted("ROMEO:\r\nWhat", line_breaks=False)[0].text == "ROMEO: What"
    line = prompt_line("a\nb", 1, True, "c\n", (), frozenset(), "").plain
    assert line.startswith("› a↵bc↵"), line


async def test_a_paste_and_ctrl_j_keep_line_breaks_shown_as_arrows():
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=(80, 24)) as pilot:
        prompt = app.main.prompt
        await wait_for(pilot, lambda: app.state == "finished")
        await wait_for(pilot, lambda: prompt.line_breaks, what="the run's vocabulary known")
        prompt.post_message(events.Paste("分开\n我"))
        await wait_for(pilot, lambda: prompt.text == "分开\n我", what="the paste, line break kept")
        await pilot.press("ctrl+j", "不")
        assert prompt.text == "分开\n我\n不"
        await wait_for(pilot, lambda: prompt._completed_for == prompt.text, what="completed")
        assert not prompt._unknown, "the model knows the line break"
        await pilot.pause()
        assert "分开↵我↵不" in render_text(prompt)


async def test_without_line_breaks_in_the_vocabulary_ctrl_j_says_so(tmp_path):
    one_line = tmp_path / "one_line.txt"
    one_line.write_text(TINY_TEXT.replace("\n", " "), encoding="utf-8")
    app = make_app(train=True, epochs="2", corpus=str(one_line))
    async with app.run_test(size=(80, 24)) as pilot:
        prompt = app.main.prompt
        await wait_for(pilot, lambda: app.state in ("finished", "diverged", "failed"))
        await wait_for(pilot, lambda: app.playground.summaries(), what="the run")
        assert not app.playground.summaries()[0].line_breaks
        prompt.post_message(events.Paste("a\nb"))
        await wait_for(pilot, lambda: prompt.text == "a b", what="the paste, a space")
        await pilot.press("ctrl+j")
        assert prompt.text == "a b" and "no line breaks" in prompt.note


def render_text(widget) -> str:
    return "".join(str(widget.render()).split())


async def test_the_prompt_is_one_key_a_click_or_typing_away_and_focus_is_marked():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        main, prompt = app.main, app.main.prompt
        await wait_for(pilot, lambda: prompt.has_focus, what="the prompt focused")
        assert main.plot.styles.border_top[0] != "heavy"
        await pilot.press("f4", "tab", "tab")  # deep in the setup form
        assert main.setup.has_focus_within and main.setup.styles.border_top[0] == "heavy"
        assert "Esc" in prompt.border_subtitle, "the way back is on the prompt's border"
        await pilot.press("escape")
        assert prompt.has_focus and prompt.styles.border_top[0] == "heavy"
        main.plot.focus()
        await pilot.pause()
        assert main.plot.styles.border_top[0] == "heavy" and prompt.styles.border_top[0] != "heavy"
        await pilot.press("分")  # typed on the plot, it means nothing there
        assert prompt.has_focus and prompt.text == "分"
        for key in ("left_square_bracket", "z", "Z"):  # the plot's own keys stay the plot's
            main.plot.focus()
            await pilot.press(key)
            assert main.plot.has_focus and prompt.text == "分", key
        main.samples.focus()
        await pilot.click("#prompt")
        assert prompt.has_focus


def test_a_sample_of_chinese_breaks_beside_its_characters_not_after_the_label():
    line = Text("#1 scratch·random e15 ")
    line.append("不分开 " + "我" * 50)  # one long "word" to Rich, which broke only at spaces
    rows = fold(line, 75).plain.split("\n")
    assert len(rows) == 2 and all(cell_len(row) <= 75 for row in rows), rows
    english = fold(Text("the time traveller said so " * 4), 30).plain.split("\n")
    assert all(row.split() and cell_len(row.rstrip()) <= 30 for row in english)
    assert "".join(english) == "the time traveller said so " * 4, "words are never cut"


async def test_typing_on_the_device_choice_at_80_columns_shows_the_prompt_it_went_to():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        app.main.setup.query_one("RadioSet").focus()
        await pilot.press("a")
        assert app.main.prompt.has_focus and app.main.prompt.text == "a"
        assert not app.main.has_class("-setup-open"), "the form gave the screen back"
