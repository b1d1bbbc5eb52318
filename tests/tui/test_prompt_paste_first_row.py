"""Issue 17 leftovers, the prompt: pasted Chinese lyrics start on the prompt's first row, beside
"› ", at both sizes (Rich broke the line at spaces only, so the whole paste, one long "word",
went to the next row and the first showed "› " alone)."""

from __future__ import annotations

import pytest
from helpers import make_app, wait_for
from screen_text import screen_text
from textual import events

LYRICS = "\n".join(
    (
        "跨时代",
        "我想就这样牵着你的手不放开",
        "爱可不可以简简单单没有伤害",
        "你靠着我的肩膀你在我胸口睡著",
    )
)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_pasted_chinese_lyrics_start_beside_the_prompt_sign(size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        prompt = app.main.prompt
        prompt.focus()
        prompt.post_message(events.Paste(LYRICS))
        await wait_for(pilot, lambda: prompt.text.endswith("睡著"), what="the paste")
        # With no run the line breaks become spaces (no vocabulary holds them yet); with one,
        # "↵" signs: either way one character each.
        shown = prompt.text.replace("\n", "↵")
        await pilot.pause()
        await pilot.pause()
        rows = [line for line in screen_text(app).splitlines() if "›" in line]
        assert len(rows) == 1, screen_text(app)
        after_sign = rows[0].split("›", 1)[1]
        # The first row is filled with the lyrics (two cells each) up to the pane's edge.
        assert after_sign.lstrip().startswith(shown[:5]), rows[0]
        own = prompt._rows(prompt.content_region.width)[0]
        assert all(row.cell_len <= prompt.content_region.width for row in own)
        assert own[0].cell_len >= prompt.content_region.width - 1
        # Every character of the paste is on a row, in order (none cut off between rows).
        joined = "".join(row.plain for row in own)
        assert shown in joined
