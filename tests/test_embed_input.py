"""`--input embed`: a learned embedding of size d before the first layer, and the fact behind
it, that the book's one-hot input times W_xh already is an embedding lookup of size V."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from helpers import run_main, small_trainer

from engine.config import ConfigError, TrainConfig
from engine.data.corpus import load_corpus
from engine.inspect.grad_flow import grad_through_time
from engine.inspect.saliency import saliency
from engine.models.char_rnn import CharRNN, build_model, model_for
from engine.session import load_session, save_session
from engine.session.state_schema import model_size

pytestmark = pytest.mark.usefixtures("one_torch_thread")

KINDS = ("scratch", "rnn", "gru", "lstm")
V, H = 13, 6


def _start(model: CharRNN, batch: int) -> tuple[torch.Tensor, ...]:
    return tuple(s.double() for s in model.begin_state(batch))


def _grads(model: CharRNN, X: torch.Tensor, Y: torch.Tensor) -> tuple[torch.Tensor, dict]:
    loss, _ = model.loss(X, Y, _start(model, X.shape[0]))
    names = [name for name, _ in model.named_parameters()]
    grads = torch.autograd.grad(loss, list(model.parameters()))
    return loss, dict(zip(names, grads, strict=True))


def test_a_one_hot_row_times_a_matrix_is_a_lookup_of_its_row() -> None:
    torch.manual_seed(0)
    W = torch.randn(V, H, dtype=torch.double, requires_grad=True)
    X = torch.randint(0, V, (4, 5))
    product = F.one_hot(X, V).double() @ W
    lookup = F.embedding(X, W)
    torch.testing.assert_close(lookup, product)
    weights = torch.randn(4, 5, H, dtype=torch.double)
    (by_product,) = torch.autograd.grad((product * weights).sum(), W)
    (by_lookup,) = torch.autograd.grad((lookup * weights).sum(), W)
    torch.testing.assert_close(by_lookup, by_product)


@pytest.mark.parametrize("kind", KINDS)
def test_one_hot_is_an_embedding_of_size_v_with_the_same_weights(kind: str) -> None:
    """E = I (V x V) before the book's W_xh (or W_ih): same outputs and gradients."""
    torch.manual_seed(1)
    one_hot = build_model(kind, V, H).double()
    embedded = build_model(kind, V, H, embed_dim=V).double()
    weights = dict(one_hot.state_dict())
    table = "E" if kind == "scratch" else "embed.weight"
    if kind == "scratch":
        weights["W_eh"] = weights.pop("W_xh")
    weights[table] = torch.eye(V, dtype=torch.double)
    embedded.load_state_dict(weights)
    X, Y = torch.randint(0, V, (3, 7)), torch.randint(0, V, (3, 7))
    outputs = embedded(X, _start(embedded, 3))[0]
    torch.testing.assert_close(outputs, one_hot(X, _start(one_hot, 3))[0])
    loss_1, grads_1 = _grads(one_hot, X, Y)
    loss_e, grads_e = _grads(embedded, X, Y)
    torch.testing.assert_close(loss_e, loss_1)
    if kind == "scratch":
        grads_e["W_xh"] = grads_e.pop("W_eh")
    grads_e.pop(table)
    assert grads_e.keys() == grads_1.keys()
    for name, grad in grads_1.items():
        torch.testing.assert_close(grads_e[name], grad, msg=name)


@pytest.mark.parametrize("kind", KINDS)
def test_embedded_models_step_as_they_run_and_paths_agree(kind: str) -> None:
    torch.manual_seed(2)
    layers = 1 if kind == "scratch" else 2
    model = build_model(kind, V, H, layers, embed_dim=4)
    X = torch.randint(0, V, (3, 5))
    logits, state = model(X, model.begin_state(3))
    stepped, s = [], model.begin_state(3)
    for t in range(5):
        out, s = model.step(X[:, t], s)
        stepped.append(out)
    torch.testing.assert_close(logits, torch.cat(stepped), rtol=1e-5, atol=1e-6)
    if kind != "scratch":  # the GPU's path: torch's fused layer fed the embedding's rows
        model.path = "one-hot"
        torch.testing.assert_close(model(X, model.begin_state(3))[0], logits,
                                   rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", KINDS)
def test_the_session_check_counts_an_embedded_models_weights(kind: str) -> None:
    for settings in ({"input": "embed", "embed_dim": 5}, {"input": "onehot", "embed_dim": 5}):
        cfg = TrainConfig(model=kind, hidden=H, layers=1 if kind == "scratch" else 2, **settings)
        assert model_size(cfg, V) == sum(p.numel() for p in model_for(cfg, V).parameters())


def test_settings_default_to_the_books_one_hot_and_old_saves_load_so() -> None:
    assert TrainConfig().input == "onehot" and TrainConfig().embedding is None
    old = {k: v for k, v in TrainConfig().to_dict().items() if k not in ("input", "embed_dim")}
    assert TrainConfig.from_dict(old).embedding is None
    assert TrainConfig(input="embed", embed_dim=32).embedding == 32
    with pytest.raises(ConfigError) as err:
        TrainConfig(input="lookup").check()
    assert err.value.field == "input"
    with pytest.raises(ConfigError) as err:
        TrainConfig(input="embed", embed_dim=0).check()
    assert err.value.field == "embed_dim"


def test_saliency_is_the_gradient_at_each_positions_embedding_row() -> None:
    from engine.data.vocab import Vocab

    vocab = Vocab.from_text("abcdefgh")
    torch.manual_seed(3)
    model = build_model("gru", len(vocab), 8, embed_dim=5)
    text = "cabhd"  # distinct characters: a row's gradient is its position's
    got = saliency(model, vocab, text)
    E = model.embed.weight.detach().clone().requires_grad_()
    X = torch.tensor([[vocab.char_to_idx[ch] for ch in text]])
    with torch.no_grad():
        model.embed.weight.copy_(E)
    rows = F.embedding(X.t(), E)
    hs, _ = model.rnn(rows, model.begin_state(1)[0])
    log_probs = torch.log_softmax(model.dense(hs[-1, 0]).double(), dim=0)
    (grad,) = torch.autograd.grad(log_probs[vocab.char_to_idx[got.target]], E)
    expected = [float(grad[vocab.char_to_idx[ch]].double().norm()) for ch in text]
    assert got.raw == pytest.approx(expected, rel=1e-4)


def test_an_embedded_run_trains_saves_and_inspects(tmp_path: Path, tiny_corpus: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    corpus = load_corpus(str(tiny_corpus), max_chars=0)
    trainer = small_trainer(corpus, model="scratch", input="embed", embed_dim=6, hidden=12,
                            num_steps=5, epochs=3, lr=1.0, pred_period=0)
    assert set(dict(trainer.model.named_parameters())) == {"E", "W_eh", "W_hh", "b_h", "W_hq",
                                                            "b_q"}
    first = trainer.run_epoch().perplexity
    trainer.run_epoch()
    assert trainer.run_epoch().perplexity < first
    X, Y = torch.randint(0, len(corpus.vocab), (2, 5)), torch.randint(0, 5, (2, 5))
    assert len(grad_through_time(trainer.model, X, Y, trainer.model.begin_state(2))) == 5
    path = save_session(tmp_path / "embed.rnnplay", trainer, prompt="the ")
    session = load_session(path)
    assert session.config.input == "embed" and session.config.embed_dim == 6
    reloaded = session.build_model("cpu")
    for name, weight in trainer.model.state_dict().items():
        torch.testing.assert_close(reloaded.state_dict()[name], weight.cpu())
    code, out, err = run_main(capsys, "inspect", str(path), "the quick", "--units", "3",
                              "--saliency")
    assert code == 0, err
    assert "saliency" in out


def test_the_cli_refuses_a_bad_embedding_size_in_one_line(
    tiny_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_main(capsys, "train", "--corpus", str(tiny_corpus), "--input", "embed",
                            "--embed-dim", "0")
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "embedding size" in err
