"""A training run gives a keystroke's completions the CPU first (issue 17): between batches its
trainer waits, at most GIVE_WAY_S, while the prompt thread computes them."""

from __future__ import annotations

import threading
import time

import pytest
import torch
from helpers import TINY_RUN

from engine.data.vocab import Vocab
from engine.generation import prompt_follower
from engine.generation.completion import Completion
from engine.generation.prompt_follower import PromptFollower, WeightsSource
from engine.models.char_rnn import build_model
from engine.training.events import RunState
from engine.training.snapshots import SnapshotBox

pytestmark = pytest.mark.usefixtures("one_torch_thread")

VOCAB = Vocab(sorted(set("abcdefgh ")))


def _source() -> WeightsSource:
    torch.manual_seed(0)
    box = SnapshotBox(min_interval=0.0)
    box.publish(build_model("scratch", len(VOCAB), 8), force=True)
    return WeightsSource(1, box, "scratch", VOCAB, 8, 1)


def test_a_batch_waits_for_a_keystrokes_completions_and_no_longer(monkeypatch) -> None:
    monkeypatch.setattr(prompt_follower, "GIVE_WAY_S", 0.3)
    held = threading.Event()  # the completion's report waits for it: a slow completion
    reported: list[Completion] = []

    def report(completion: Completion) -> None:
        held.wait(10)
        reported.append(completion)

    follower = PromptFollower(report)
    follower.start()
    try:
        follower.give_way()  # nothing asked yet: no wait
        follower.follow([_source()])
        follower.request("abc", 5)
        began = time.monotonic()
        follower.give_way()  # the completion is still on its way: the longest wait
        assert time.monotonic() - began >= 0.25
        held.set()
        deadline = time.monotonic() + 10
        while not any(c.text == "abc" for c in reported) and time.monotonic() < deadline:
            time.sleep(0.01)
        follower.give_way()  # answered: training goes on at once
        assert any(c.text == "abc" for c in reported)
    finally:
        held.set()
        follower.close(timeout=5)


def test_an_unstarted_follower_never_holds_a_batch() -> None:
    follower = PromptFollower(lambda c: None)
    follower.request("abc", 5)  # asked, but no thread will answer it
    began = time.monotonic()
    follower.give_way()
    assert time.monotonic() - began < prompt_follower.GIVE_WAY_S


def test_every_run_in_the_playground_gives_way_to_the_prompt(play, rec, tiny_corpus) -> None:
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=1))
    rec.status(1, RunState.FINISHED)
    assert play._runs[1].trainer.controls.give_way == play.prompt.give_way
