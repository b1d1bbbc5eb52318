"""A session keeps how the app's prompt completed (temperature, top-k, seed, length) beside its
text; files saved before that load with none (issue 23, new-user 11)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import TINY_RUN, Recorder, meta_of, write_with_meta

from engine.generation.decoding import Decoding
from engine.generation.prompt_settings import PromptSettings
from engine.playground import Playground
from engine.playground.events import RunState, Saved
from engine.session import SessionError, load_session


def saved_with_settings(play: Playground, rec: Recorder, corpus: Path) -> Path:
    play.new_run(str(corpus), 0, dict(TINY_RUN, epochs=1))
    rec.status(1, RunState.FINISHED)
    play.complete("the", 70, Decoding(temperature=0.8, top_k=10, seed=3), None)
    play.save(1, prompt="the")
    saved = rec.wait(lambda r, e: isinstance(e, Saved))
    assert saved.error is None, saved.error
    return Path(saved.path)


def test_prompt_settings_saved_and_loaded(play, rec, tiny_corpus: Path) -> None:
    session = load_session(saved_with_settings(play, rec, tiny_corpus))
    assert session.prompt == "the"
    assert session.prompt_settings == PromptSettings(Decoding(0.8, 10, 3), 70)


def test_a_save_from_before_the_settings_loads_without_them(play, rec, tiny_corpus: Path,
                                                            tmp_path: Path) -> None:
    path = saved_with_settings(play, rec, tiny_corpus)
    meta = meta_of(path)
    del meta["prompt_settings"]
    old = tmp_path / "old.rnnplay"
    write_with_meta(old, path, json.dumps(meta))
    session = load_session(old)
    assert session.prompt == "the" and session.prompt_settings is None


@pytest.mark.parametrize("settings", [
    {"decoding": {"temperature": -1.0, "top_k": 0, "seed": 0}, "length": 50},
    {"decoding": {"temperature": 1.0, "top_k": 0, "seed": True}, "length": 50},
    {"decoding": {"temperature": 1.0, "beam": 3}, "length": 50},
    {"decoding": {}, "length": 10**9},
    {"decoding": {}},
    "greedy",
])
def test_bad_prompt_settings_are_refused_in_words(play, rec, tiny_corpus: Path,
                                                  tmp_path: Path, settings) -> None:
    path = saved_with_settings(play, rec, tiny_corpus)
    meta = meta_of(path)
    meta["prompt_settings"] = settings
    bad = tmp_path / "bad.rnnplay"
    write_with_meta(bad, path, json.dumps(meta))
    with pytest.raises(SessionError, match="prompt_settings"):
        load_session(bad)
