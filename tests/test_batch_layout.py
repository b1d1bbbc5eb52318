"""The minibatch layout (issue 18 §3) against the batches the trainer really trains on, and the
prompt's warm-up against reading the training text and the prompt as one text from zeros."""

from __future__ import annotations

import pytest
import torch
from helpers import TINY_RUN, small_trainer

from engine.config import ConfigError
from engine.data.corpus import load_corpus
from engine.data.layout import EARLIER, LATER, SHOWN, UNREAD, batch_layout
from engine.generation.decoding import Decoding
from engine.generation.generate import Completer
from engine.inspect.hidden_units import hidden_units
from engine.playground.events import Completion
from engine.training.events import RunState
from engine.training.probes import Probe, TrainedBatch

pytestmark = pytest.mark.usefixtures("one_torch_thread")


class Batches(Probe):
    """The X of every batch the loop trains on, and the state it started from."""

    def __init__(self) -> None:
        self.seen: list[TrainedBatch] = []

    def on_batch_end(self, trainer, batch: TrainedBatch) -> None:  # type: ignore[no-untyped-def]
        self.seen.append(batch)


def _layout(trainer, starts, batch, cells=50, trained=0):  # type: ignore[no-untyped-def]
    cfg = trainer.config
    return batch_layout(starts, trainer.data, trainer.corpus.vocab, sampling=cfg.sampling,
                        detach=cfg.detach, num_steps=cfg.num_steps, epoch=trainer.epoch + 1,
                        trained=trained, run="idle", batch=batch, cells=cells)


@pytest.mark.parametrize("sampling", ["random", "consecutive"])
def test_the_previewed_layout_is_what_the_next_epoch_trains_on(jaychou, sampling: str) -> None:
    corpus = load_corpus("jaychou", max_chars=3000)
    trainer = small_trainer(corpus, sampling=sampling, batch_size=5, num_steps=7, epochs=2,
                            pred_period=0)
    bare = small_trainer(corpus, sampling=sampling, batch_size=5, num_steps=7, epochs=2,
                         pred_period=0)
    batches = Batches()
    trainer.probes.append(batches)
    trainer.run_epoch()
    preview = torch.Generator().set_state(trainer.generator.get_state())
    starts = trainer.epoch_starts(preview)
    layouts = [_layout(trainer, starts, b) for b in range(len(starts))]
    first = len(batches.seen)
    trainer.run_epoch()
    trained = batches.seen[first:]
    assert len(trained) == len(layouts) == layouts[0].batches
    vocab = corpus.vocab
    for layout, batch in zip(layouts, trained, strict=True):
        assert layout.segments == tuple(vocab.decode(row) for row in batch.X.tolist())
        zeros = all(not s.any() for s in batch.state)
        assert zeros == layout.state.startswith("reset to zeros")
    if sampling == "consecutive":  # each row goes on where it stopped
        for a, b in zip(layouts, layouts[1:], strict=False):
            assert [s + 7 for s in a.starts] == list(b.starts)
        assert "detached" in layouts[1].state
    # the preview moved nothing: the same numbers as a run never looked at
    bare.run_epoch(), bare.run_epoch()
    assert [e.perplexity for e in trainer.history] == [e.perplexity for e in bare.history]


@pytest.mark.parametrize("sampling", ["random", "consecutive"])
def test_the_strip_marks_each_character_as_counted_by_hand(jaychou, sampling: str) -> None:
    trainer = small_trainer(load_corpus("jaychou", max_chars=600), sampling=sampling,
                            batch_size=3, num_steps=9, pred_period=0, val_chars=0)
    starts = trainer.epoch_starts(torch.Generator().manual_seed(1))
    n = len(trainer.data)
    shown = 2
    layout = _layout(trainer, starts, shown, cells=n)  # one character a cell
    want = [UNREAD] * n
    for b, row in enumerate(starts.tolist()):
        mark = SHOWN if b == shown else EARLIER if b < shown else LATER
        for s in row:
            for i in range(s, s + 9):
                if want[i] != SHOWN and not (want[i] == EARLIER and mark == LATER):
                    want[i] = mark
    assert layout.strip == "".join(want)
    # squeezed into fewer cells, a cell shows the highest mark of its characters
    narrow = _layout(trainer, starts, shown, cells=40).strip
    for k, mark in enumerate(narrow):
        chars = want[k * n // 40 : (k + 1) * n // 40] or [want[k * n // 40]]
        top = next(m for m in (SHOWN, EARLIER, LATER, UNREAD) if m in chars)
        assert mark == top, k


def test_the_playground_lays_out_the_selected_runs_epoch(play, rec, tiny_corpus) -> None:
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, sampling="consecutive", epochs=2))
    rec.status(1, RunState.FINISHED)
    layout = play.batch_layout(batch=1, cells=30)
    assert layout is not None and layout.epoch == 3 and layout.trained == 0
    assert layout.sampling == "consecutive" and layout.batch == 1 and len(layout.strip) == 30
    assert play.batch_layout(batch=10**6).batch == layout.batches - 1  # clamped
    assert play.batch_layout(run_id=99) is None


# ----------------------------------------------------------------------------- the warm-up


@pytest.fixture(scope="module")
def trained(jaychou):  # type: ignore[no-untyped-def]
    trainer = small_trainer(load_corpus("jaychou", max_chars=3000), model="lstm",
                            sampling="consecutive", epochs=3, pred_period=0, lr=0.01)
    trainer.run()
    return trainer


def test_a_warm_up_is_the_training_text_read_before_the_prompt(trained) -> None:
    vocab = trained.corpus.vocab
    warm = vocab.decode(trained.data[:60].tolist())
    completer = Completer(trained.model, vocab)
    completer.set_text("分开")
    cold = completer.complete(20)
    completer.warm_up(warm)
    assert completer.text == "分开"  # the warm-up is not part of the text
    by_hand = Completer(trained.model, vocab)
    by_hand.set_text(warm + "分开")  # one character at a time, from zeros
    assert completer.complete(20) == by_hand.complete(20) != cold
    for a, b in zip(completer.start_state, by_hand._stack[60][0], strict=True):
        torch.testing.assert_close(a, b)
    completer.warm_up("")
    assert completer.complete(20) == cold


def test_the_views_read_from_the_warmed_up_state(trained) -> None:
    vocab = trained.corpus.vocab
    warm = vocab.decode(trained.data[:40].tolist())
    completer = Completer(trained.model, vocab)
    completer.warm_up(warm)
    completer.set_text("我想")
    warmed = hidden_units(trained.model, vocab, "我想", begin=completer.start_state)
    whole = hidden_units(trained.model, vocab, warm + "我想")
    for unit in (0, 3):
        assert warmed.unit(unit) == pytest.approx(whole.unit(unit)[-2:], abs=1e-6)


def test_the_decoding_names_and_checks_its_warm_up() -> None:
    assert Decoding(warmup=100).label == "greedy · warm-up 100"
    assert Decoding(temperature=0.8, warmup=100).label == "T 0.8 · warm-up 100"
    assert Decoding().label == "greedy"
    with pytest.raises(ConfigError, match="warm-up") as err:
        Decoding(warmup=-1)
    assert err.value.field == "warmup"


def test_the_prompt_completes_after_the_warm_up(play, rec, tiny_corpus) -> None:
    # trained enough that what it read before the prompt shows in its odds
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, sampling="consecutive", epochs=10, lr=30.0))
    rec.status(1, RunState.FINISHED)
    play.complete("the qu", 20, Decoding(warmup=100))
    shown = rec.wait(lambda r, e: isinstance(e, Completion) and e.text == "the qu")
    trainer = play._runs[1].trainer
    mine = Completer(trainer.model, trainer.corpus.vocab)
    mine.set_text(trainer.corpus.vocab.decode(trainer.data[:100].tolist()) + "the qu")
    completion, probs = mine.complete_with_probs(20)
    assert shown.completion == completion and shown.probs == pytest.approx(probs)
    cold = Completer(trainer.model, trainer.corpus.vocab)
    cold.set_text("the qu")
    assert shown.probs != pytest.approx(cold.complete_with_probs(20)[1])
