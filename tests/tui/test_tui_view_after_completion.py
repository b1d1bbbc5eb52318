"""A keystroke's completion is drawn before the views inside the model catch up with it: the
frame that shows the completion builds no view, the next one does (issue 21, bar 3)."""

from __future__ import annotations

from helpers import make_app, wait_for

from tui.widgets.inside import InsidePane
from tui.widgets.prompt import PromptPane


async def test_the_completion_is_drawn_a_frame_before_the_views_follow_it():
    app = make_app(train=True, prompt="分开", epochs="3")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", timeout=60, what="finished")
        await pilot.press("f10")  # the odds of the next character, computed per keystroke
        prompt, pane = app.query_one(PromptPane), app.query_one(InsidePane)
        await wait_for(pilot, lambda: pane.inspection is not None
                       and pane.inspection.prompt == "分开", what="the views of the prompt")
        seen: list[tuple[str, str | None]] = []  # (the text completed, the views' text) per render
        render = prompt.render

        def recorded():  # noqa: ANN202 - wraps the prompt's render
            viewed = pane.inspection.prompt if pane.inspection is not None else None
            seen.append((prompt._completed_for, viewed))
            return render()

        prompt.render = recorded  # type: ignore[method-assign]
        await pilot.press("我")
        await wait_for(pilot, lambda: pane.inspection is not None
                       and pane.inspection.prompt == "分开我", what="the views follow")
        first = next(viewed for done, viewed in seen if done == "分开我")
        assert first == "分开", seen  # the completion's frame still showed the old views
        await pilot.pause()
        assert pane._drawn is not None and pane._drawn[2][0] is pane.inspection  # then drawn


async def test_the_views_report_does_not_show_the_completion_again():
    # The core reports a keystroke's completion, then the same completion with its views: the
    # second brings the views alone (showing the completion again cost the prompt a frame).
    app = make_app(train=True, prompt="分开", epochs="3")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", timeout=60, what="finished")
        await pilot.press("f10", "f10")  # the hidden units
        prompt, pane = app.query_one(PromptPane), app.query_one(InsidePane)
        await wait_for(pilot, lambda: pane.inspection is not None
                       and pane.inspection.prompt == "分开", what="the views of the prompt")
        shown: list[str] = []
        show = prompt.show_completion

        def counted(text, *args, **kwargs):  # noqa: ANN001, ANN202 - wraps show_completion
            shown.append(text)
            show(text, *args, **kwargs)

        prompt.show_completion = counted  # type: ignore[method-assign]
        await pilot.press("我")
        await wait_for(pilot, lambda: pane.inspection is not None
                       and pane.inspection.prompt == "分开我", what="the views follow")
        await pilot.pause()
        assert shown == ["分开我"]
        assert app.main.last_completion.inspection is pane.inspection
        assert prompt._completed_for == "分开我" and prompt.visible_completion()
