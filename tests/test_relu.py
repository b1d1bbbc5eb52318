"""φ = ReLU (the chapter's exercise; nn.RNN's `nonlinearity`): the hand-written recurrence against
autograd and the book's equations, the lookup path against nn.RNN(nonlinearity='relu'), the
setting from the command line to a session file and back, bit-exact resume."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from helpers import run_main

from engine.config import NONLINEARITIES, ConfigError, TrainConfig, spec_of
from engine.data.corpus import load_corpus
from engine.data.vocab import Vocab
from engine.generation.generate import predict
from engine.inspect.grad_flow import grad_through_time
from engine.inspect.hidden_units import hidden_units
from engine.models.char_rnn import build_model
from engine.models.recurrence import ACTIVATION, RECURRENCE, ReluRecurrence
from engine.session import load_session, restore_trainer, save_session
from engine.training.trainer import Trainer

pytestmark = pytest.mark.usefixtures("one_torch_thread")

V, H, B, T = 17, 8, 4, 6


def _relu_model(kind: str, layers: int = 1):
    torch.manual_seed(3)
    model = build_model(kind, V, H, layers, nonlinearity="relu").double()
    with torch.no_grad():  # large enough that some units are off and some on at every step
        for p in model.parameters():
            p.normal_(0.0, 0.5)
    return model


def _batch():
    g = torch.Generator().manual_seed(7)
    return torch.randint(V, (B, T), generator=g), torch.randint(V, (B, T), generator=g)


def test_every_declared_nonlinearity_has_a_recurrence_and_a_step() -> None:
    assert set(RECURRENCE) == set(ACTIVATION) == set(NONLINEARITIES)


def test_handwritten_relu_bptt_passes_gradcheck() -> None:
    torch.manual_seed(0)
    pre = torch.randn(5, 3, 4, dtype=torch.double, requires_grad=True)
    h0 = torch.randn(3, 4, dtype=torch.double, requires_grad=True)
    w = (torch.randn(4, 4, dtype=torch.double) * 0.5).requires_grad_()
    hs = ReluRecurrence.apply(pre, h0, w)
    # Both sides of the kink are visited, so 1[h > 0] is tested where it is 0 and where it is 1.
    assert 0.2 < (hs > 0).double().mean() < 0.8
    assert torch.autograd.gradcheck(ReluRecurrence.apply, (pre, h0, w))


def test_scratch_relu_equals_the_books_equations_with_relu() -> None:
    """Loss and every gradient equal a literal autograd run of the book's rnn() with φ = relu:
    one-hot inputs, one product per step."""
    model = _relu_model("scratch")
    X, Y = _batch()
    h0 = torch.randn(B, H, dtype=torch.double)
    params = list(model.parameters())
    loss, (h_end,) = model.loss(X, Y, (h0,))
    H_t, outputs = h0, []
    for t in range(T):
        x = F.one_hot(X[:, t], V).double()
        H_t = torch.relu(x @ model.W_xh + H_t @ model.W_hh + model.b_h)
        outputs.append(H_t @ model.W_hq + model.b_q)
    book = F.cross_entropy(torch.cat(outputs), Y.t().reshape(-1))
    torch.testing.assert_close(loss, book)
    torch.testing.assert_close(h_end, H_t)
    for ours, theirs in zip(torch.autograd.grad(loss, params), torch.autograd.grad(book, params),
                            strict=True):
        torch.testing.assert_close(ours, theirs)


@pytest.mark.parametrize("layers", [1, 2])
def test_rnn_lookup_path_equals_nn_rnn_relu_fed_one_hot(layers: int) -> None:
    model = _relu_model("rnn", layers)
    assert model.rnn.nonlinearity == "relu"
    X, Y = _batch()
    state = (torch.randn(layers, B, H, dtype=torch.double),)
    params = list(model.parameters())
    results = {}
    for path in ("one-hot", "lookup"):
        model.path = path
        loss, end_state = model.loss(X, Y, state)
        results[path] = (loss, end_state, torch.autograd.grad(loss + end_state[0].sum(), params))
    for a, b in zip(results["lookup"][2], results["one-hot"][2], strict=True):
        torch.testing.assert_close(a, b)
    torch.testing.assert_close(results["lookup"][:2], results["one-hot"][:2])


@pytest.mark.parametrize("kind", ["scratch", "rnn"])
def test_step_applies_the_same_relu(kind: str) -> None:
    """Generation steps one character at a time: the same numbers as the batched forward."""
    model = _relu_model(kind)
    X, _ = _batch()
    start = tuple(x.double() for x in model.begin_state(B))
    logits, state = model(X, start)
    stepped, s = [], start
    for t in range(T):
        out, s = model.step(X[:, t], s)
        stepped.append(out)
    torch.testing.assert_close(logits, torch.cat(stepped))
    torch.testing.assert_close(state, s)


@pytest.mark.parametrize("kind", ["scratch", "rnn"])
def test_gradient_flow_view_follows_relu(kind: str) -> None:
    """The grad-flow view steps the model's own φ: against the gradient of every H_t in a
    literal relu run (torch's own relu cell for nn.RNN)."""
    model = _relu_model(kind)
    X, Y = _batch()
    state = model.begin_state(B)
    state = tuple(s.double() for s in state)
    got = grad_through_time(model, X, Y, state, rows=B)
    h, hs, outputs = state[0] if kind == "scratch" else state[0][0], [], []
    for t in range(T):
        if kind == "scratch":
            h = torch.relu(model.W_xh[X[:, t]] + h @ model.W_hh + model.b_h)
        else:
            w = [getattr(model.rnn, f"{n}_l0") for n in ("weight_ih", "weight_hh", "bias_ih",
                                                          "bias_hh")]
            h = torch.rnn_relu_cell(F.one_hot(X[:, t], V).double(), h, *w)
        h.retain_grad()
        hs.append(h)
        outputs.append(h @ model.W_hq + model.b_q if kind == "scratch" else model.dense(h))
    F.cross_entropy(outputs[-1], Y[:, -1]).backward()  # the view's loss: the last step's
    assert got == pytest.approx([float(x.grad.norm()) for x in hs], rel=1e-6)


def test_relu_hidden_units_are_scaled_to_what_they_reach() -> None:
    """ReLU's h is >= 0 and unbounded: the view scales it (as LSTM's c), where tanh's h is
    shown on its own [-1, 1]."""
    vocab = Vocab.from_text("abcdefghijklmnopq")
    for nonlinearity in NONLINEARITIES:
        torch.manual_seed(3)
        model = build_model("scratch", V, H, nonlinearity=nonlinearity)
        with torch.no_grad():
            for p in model.parameters():
                p.normal_(0.0, 2.0)  # states well past 1 before φ
        view = hidden_units(model, vocab, "abcabcqq")
        values = [v for row in view.activations if row for v in row]
        if nonlinearity == "tanh":
            assert view.bounded and view.heatmap.scale == 1.0
        else:
            assert min(values) >= 0 and max(values) > 1
            assert not view.bounded and view.heatmap.scale > 1


def test_gru_and_lstm_refuse_relu_in_one_line_naming_why() -> None:
    for model in ("gru", "lstm"):
        with pytest.raises(ConfigError) as err:
            TrainConfig(model=model, nonlinearity="relu").check()
        assert err.value.field == "nonlinearity" and "gates" in str(err.value)
        assert "\n" not in str(err.value)
        with pytest.raises(ValueError):
            build_model(model, V, H, nonlinearity="relu")
    for model in ("scratch", "rnn"):
        TrainConfig(model=model, nonlinearity="relu").check()
    spec = spec_of(TrainConfig, "nonlinearity")
    assert spec.flag == "--nonlinearity" and spec.default == "tanh"
    with pytest.raises(ConfigError):
        spec.check("sigmoid")


def test_an_old_session_without_the_setting_loads_with_tanh() -> None:
    old = TrainConfig().to_dict()
    del old["nonlinearity"]
    assert TrainConfig.from_dict(old).nonlinearity == "tanh"


SMALL = dict(hidden=24, batch_size=8, num_steps=10, epochs=4, pred_period=2, pred_len=10,
             device="cpu", threads=1, nonlinearity="relu", val_chars=0)


@pytest.mark.parametrize(("model", "sampling", "lr"), [
    ("scratch", "consecutive", 1.0), ("rnn", "random", None),
])
def test_a_relu_session_resumes_bit_exactly(
    jaychou, tmp_path, model: str, sampling: str, lr: float | None
) -> None:
    corpus = load_corpus("jaychou", 2000)
    config = TrainConfig(**SMALL, model=model, sampling=sampling, lr=lr)
    straight = Trainer(corpus, config)
    while straight.epoch < 4:
        straight.run_epoch()
        if straight.epoch == 2:
            save_session(tmp_path / "half.rnnplay", straight)
    session = load_session(tmp_path / "half.rnnplay")
    assert session.config.nonlinearity == "relu"
    resumed = restore_trainer(session)
    assert resumed.model.nonlinearity == "relu"
    while resumed.epoch < 4:
        resumed.run_epoch()
    numbers = [[e.perplexity, e.grad_norm] for e in straight.history]
    assert [[e.perplexity, e.grad_norm] for e in resumed.history] == numbers
    for a, b in zip(straight.model.state_dict().values(), resumed.model.state_dict().values(),
                    strict=True):
        assert torch.equal(a, b)
    # A copy for generation (the app's prompt, `rnnplay complete`) is a relu model too.
    save_session(tmp_path / "end.rnnplay", straight)
    copy = load_session(tmp_path / "end.rnnplay").build_model()
    assert copy.nonlinearity == "relu"
    text = predict(straight.model, corpus.vocab, "分开", 20)
    assert predict(copy, corpus.vocab, "分开", 20) == text


def test_the_command_line_trains_with_relu_and_refuses_it_for_gru(
    jaychou, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "relu.rnnplay"
    code, _, err = run_main(capsys, "train", "--nonlinearity", "relu", "--epochs", "1",
                            "--max-chars", "2000", "--hidden", "16", "--device", "cpu",
                            "--save", str(path))
    assert code == 0, err
    assert load_session(path).config.nonlinearity == "relu"
    code, _, err = run_main(capsys, "train", "--model", "gru", "--nonlinearity", "relu",
                            "--epochs", "1", "--max-chars", "2000", "--device", "cpu")
    assert code != 0 and "gates" in err and "Traceback" not in err
