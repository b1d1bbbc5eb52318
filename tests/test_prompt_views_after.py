"""A keystroke's completion is reported before the views inside the model are computed (issue 21,
bar 3): the views' passes over the text (hidden units, saliency, the model view's steps) no longer
hold the completion back. The same completion then comes again, with its views."""

from __future__ import annotations

import queue

import pytest
import torch

from engine.data.vocab import Vocab
from engine.generation import followed_run
from engine.generation.completion import Completion
from engine.generation.decoding import Decoding
from engine.generation.prompt_follower import PromptFollower, Views, WeightsSource
from engine.models.char_rnn import build_model
from engine.training.snapshots import SnapshotBox

pytestmark = pytest.mark.usefixtures("one_torch_thread")

VOCAB = Vocab(sorted(set("abcdefghijklmnopqrstuvwxyz .")))
ALL_VIEWS = Views(shown=("odds", "units", "looks at", "model"))


def _source() -> WeightsSource:
    torch.manual_seed(0)
    box = SnapshotBox(min_interval=0.0)
    box.publish(build_model("scratch", len(VOCAB), 12), force=True)
    return WeightsSource(1, box, "scratch", VOCAB, 12, 1)


def _reports(text: str, views: Views | None, decoding: Decoding, monkeypatch) -> list:
    """What the prompt thread reports for `text`, each with the reports already made when the
    views were asked for."""
    got: queue.Queue[Completion] = queue.Queue()
    made: list[Completion] = []
    asked: list[int] = []
    inspect = followed_run.inspect_prompt

    def counted(*args, **kwargs):  # noqa: ANN202 - wraps inspect_prompt
        asked.append(len(made))
        return inspect(*args, **kwargs)

    monkeypatch.setattr(followed_run, "inspect_prompt", counted)
    follower = PromptFollower(lambda c: (made.append(c), got.put(c)))
    follower.start()
    try:
        follower.follow([_source()])
        follower.request(text, 12, decoding, views)
        while not (made and made[-1].text == text and (views is None or made[-1].inspection)):
            got.get(timeout=30)
    finally:
        follower.close(timeout=5)
    return [c for c in made if c.text == text], asked


@pytest.mark.parametrize("decoding", [Decoding(), Decoding(temperature=1.0, seed=None)])
def test_the_completion_is_reported_before_its_views_are_computed(decoding, monkeypatch):
    reports, asked = _reports("the quick", ALL_VIEWS, decoding, monkeypatch)
    first, second = reports
    assert first.error is None and first.inspection is None and len(first.completion) == 12
    assert asked == [1]  # the views were asked for once the completion was out
    # The same completion again, with the views of it (an unseeded sample is not drawn anew).
    assert second.completion == first.completion and second.probs == first.probs
    seen = second.inspection
    assert seen.prompt == "the quick" and seen.completion.text == first.completion
    assert seen.completion.probs == first.probs
    assert seen.hidden.text == "the quick" + first.completion and seen.model is not None
    assert seen.odds.top[0][0] == first.completion[0] or not decoding.greedy


def test_without_views_one_report_and_no_inspection(monkeypatch):
    reports, asked = _reports("the quick", None, Decoding(), monkeypatch)
    assert len(reports) == 1 and reports[0].inspection is None and asked == []
    assert len(reports[0].probs) == 12  # the selected run's completion comes with its odds
