"""The model view's lines: the network's equations and shapes for the selected run, with the live
values of one time step (the prompt character at the cursor), as engine.inspect.step computed
them. Nothing here computes a model's number; it formats and picks what fits.

The lines come most telling first (the character's one-hot index, the equations with each
term's size, the prediction, the perplexity's reference points), then the diagram with shapes
and parameter counts: a short pane shows the first ones and scrolls to the rest.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich.cells import cell_len, set_cell_size
from rich.style import Style
from rich.text import Text

from tui.widgets.inside_lines import BARS, DIM, Lines, shown_char

# Types only: the app draws its first frame before torch (and the engine) has loaded.
if TYPE_CHECKING:
    from engine.playground import CharStep, ModelShape, ModelSteps, Vector

POSITIVE = Style(color="red")
NEGATIVE = Style(color="blue")
TERM = 24  # cells of a term's name before its norm and sparkline
SUMMARY_TERM = 13  # ... in the summary, where more follows on the line
FIRST_SHOWN = 16  # units in a term's sparkline
SUMMARY_UNITS = 12
WIDE = 80  # from this width a gate's row is named by its whole equation
SPARK = "first units, red + blue −"

# The gated cells' equations (d2l 9.1, 9.2), one per gate in torch's order, and the state's.
GATE_EQUATIONS = {
    "gru": (
        ("R_t = σ(X W_xr + H W_hr + b_r)", "reset"),
        ("Z_t = σ(X W_xz + H W_hz + b_z)", "update"),
        ("H~_t = tanh(X W_xh + R⊙(H W_hh) + b_h)", "candidate"),
    ),
    "lstm": (
        ("I_t = σ(X W_xi + H W_hi + b_i)", "input gate"),
        ("F_t = σ(X W_xf + H W_hf + b_f)", "forget gate"),
        ("C~_t = tanh(X W_xc + H W_hc + b_c)", "candidate"),
        ("O_t = σ(X W_xo + H W_ho + b_o)", "output gate"),
    ),
}
# The parameters the diagram's three boxes stand for (the first layer's, for the nn models).
BOXES = {
    "scratch": ("W_xh", "W_hh", "W_hq"),
    "nn": ("rnn.weight_ih_l0", "rnn.weight_hh_l0", "dense.weight"),
}
STATE_EQUATIONS = {
    "gru": "H_t = Z_t⊙H_{t-1} + (1−Z_t)⊙H~_t",
    "lstm": "C_t = F_t⊙C_{t-1} + I_t⊙C~_t,  H_t = O_t⊙tanh(C_t)",
}


def model_lines(
    lines: Lines, steps: ModelSteps, cursor: int, run_perplexity: float | None, room: int
) -> None:
    """Every line of the view for the prompt character before `cursor` (the first one at 0).
    Where the step's lines do not fit the room, a summary in four comes first (the equation,
    X_t W_xh with the one-hot index, H_(t-1) W_hh, H_t with the likeliest next characters)."""
    shape = steps.shape
    step = _step_at(steps, cursor)
    if step is None:
        lines.dim("no character the model knows before the cursor: type one, or move with ←/→")
    else:
        whole = Lines(lines.width, lines.base, lines.console)
        _one_hot(whole, shape, step, steps)
        if shape.kind in GATE_EQUATIONS:
            _gated(whole, shape, step)
        else:
            _plain(whole, shape, step)
        _prediction(whole, shape, step)
        if len(whole.strips) > room:
            _summary(lines, shape, step)
        lines.strips += whole.strips
    _perplexity(lines, shape, steps.perplexity, run_perplexity)
    if shape.kind in GATE_EQUATIONS:
        _gate_notes(lines, shape)
    lines.dim(f"‖·‖ the norm; bars: the {SPARK}"
              + (" (C_t: against its largest)" if shape.kind == "lstm" else ""))  # fmt: skip
    _diagram(lines, shape)


def _summary(lines: Lines, shape: ModelShape, step: CharStep) -> None:
    if shape.kind in GATE_EQUATIONS:
        equation = STATE_EQUATIONS[shape.kind]
    else:
        equation = f"H_t = {shape.nonlinearity}(X_t W_xh + H_(t-1) W_hh + b)"
    output = "" if shape.kind == "lstm" else " · O_t = H_t W_hq + b_q"
    lines.text(Text(f"{equation}{output}", style="bold"))
    first, last = step.layers[0], step.layers[-1]
    where = "row" if shape.kind == "scratch" or shape.embed_dim is not None else "col"
    _row(lines, "X_t W_xh", first.input, after=[
        (f" '{shown_char(step.char)}' = index {step.index} of {shape.vocab}: "
         f"{where} {step.index} of W_{'xh' if where == 'row' else 'ih'}", Style()),
    ])  # fmt: skip
    _row(lines, "H_(t-1) W_hh", first.recurrent, after=[])
    odds = [(f" '{shown_char(ch)}' {_p(p)}", Style()) for ch, _, p in step.top[:3]]
    name = "H_t" + (f" layer {shape.layers}" if shape.layers > 1 else "")
    _row(lines, name, last.hidden, bounded=shape.nonlinearity == "tanh",
         after=[(" → softmax:", DIM), *odds])  # fmt: skip


def _p(p: float) -> str:
    """A probability in four cells at most."""
    return f"{p:.2f}" if p >= 0.005 else "<.01"


def _step_at(steps: ModelSteps, cursor: int) -> CharStep | None:
    """The step of the last character the model read before the cursor."""
    before = steps.steps[: max(1, cursor)]
    return next((s for s in reversed(before) if s is not None), None)


def _one_hot(lines: Lines, shape: ModelShape, step: CharStep, steps: ModelSteps) -> None:
    known = sum(s is not None for s in steps.steps)
    where = sum(s is not None for s in steps.steps[: step.position + 1])
    ch, i, v = shown_char(step.char), step.index, shape.vocab
    if shape.embed_dim is not None:
        read = f"row {i} of the embedding E, times W_eh" if shape.kind == "scratch" else (
            f"row {i} of the embedding, times W_ih")  # fmt: skip
    elif shape.kind == "scratch":
        read = f"row {i} of W_xh"
    else:
        read = f"column {i} of W_ih"
    text = Text(f"X_t '{ch}' = index {i} of {v}", style="bold")
    text.append(f" (one-hot): X_t W_xh is {read}", style="")
    text.append(f" · step {where}/{known}", style="dim")
    lines.text(text)


def _spark(values: tuple[float, ...], scale: float) -> list[tuple[str, Style]]:
    """|value| as a bar height, its sign as its colour, against `scale`."""
    cells = []
    for v in values:
        level = 0 if scale <= 0 else min(8, round(abs(v) / scale * 8))
        cells.append((BARS[max(1, level)] if level else "·", POSITIVE if v >= 0 else NEGATIVE))
    return cells


def _label_width(lines: Lines) -> int:
    return 2 * TERM if lines.width >= WIDE else TERM


def _row(
    lines: Lines,
    name: str,
    vector: Vector,
    bounded: bool = False,
    after: list[tuple[str, Style]] | None = None,
) -> None:
    """A term: its name, its norm, and its first units (against 1 when bounded in [-1, 1],
    else against its largest first unit); `after` follows, cut to the width."""
    scale = 1.0 if bounded else max((abs(v) for v in vector.first), default=0.0)
    term = _label_width(lines) if after is None else SUMMARY_TERM
    units = FIRST_SHOWN if after is None else SUMMARY_UNITS
    label = name if len(name) <= term - 1 else name[: term - 2] + "…"
    cells = [(f"{label:<{term}}", Style()), (f"‖{_num(vector.norm)}‖ ", DIM)]
    cells += _spark(vector.first[:units], scale)
    used = term + 9 + min(units, len(vector.first))
    for text, style in after or ():
        room = lines.width - used
        if room <= 0:
            break
        text = text if cell_len(text) <= room else set_cell_size(text, room)
        cells.append((text, style))
        used += cell_len(text)
    lines.cells(None, cells)


def _num(x: float) -> str:
    """A norm in six cells, so the sparklines after it line up."""
    if x == 0 or not math.isfinite(x):
        text = f"{x:g}"
    elif 0.01 <= x < 100:
        text = f"{x:.3f}"
    elif 100 <= x < 1000:
        text = f"{x:.1f}"
    else:
        text = f"{x:.0e}"
    return f"{text:>6}"


def _layer_label(shape: ModelShape, layer: int) -> str:
    return f"layer {layer + 1}: " if shape.layers > 1 else ""


def _input_name(layer: int) -> str:
    return "X_t W_xh" if layer == 0 else "H_t(below) W_xh"


def _plain(lines: Lines, shape: ModelShape, step: CharStep) -> None:
    phi = shape.nonlinearity
    bias = "b_h" if shape.kind == "scratch" else "b_ih+b_hh"
    lines.text(Text(f"H_t = {phi}(X_t W_xh + H_(t-1) W_hh + {bias})   O_t = H_t W_hq + b_q",
                    style="bold"))  # fmt: skip
    for layer, seen in enumerate(step.layers):
        label = _layer_label(shape, layer)
        _row(lines, label + _input_name(layer), seen.input)
        _row(lines, label + "H_(t-1) W_hh", seen.recurrent)
        _row(lines, label + f"H_t = {phi}(sum)", seen.hidden, bounded=phi == "tanh")


def _gated(lines: Lines, shape: ModelShape, step: CharStep) -> None:
    lines.text(Text(STATE_EQUATIONS[shape.kind], style="bold"))
    for layer, seen in enumerate(step.layers):
        label = _layer_label(shape, layer)
        _row(lines, label + _input_name(layer) + " (all gates)", seen.input)
        _row(lines, label + "H_(t-1) W_hh (all gates)", seen.recurrent)
        wide = lines.width >= WIDE
        for (equation, role), (_, vector) in zip(
            GATE_EQUATIONS[shape.kind], seen.gates, strict=True
        ):
            name = equation if wide and not label else equation.split(" =")[0]
            _row(lines, f"{label}{name} {role}", vector, bounded=True)
        if seen.cell is not None:
            # C_t is not bounded by tanh (|C_t| < t): its bars take their own scale.
            _row(lines, label + "C_t memory cell", seen.cell)
        _row(lines, label + "H_t", seen.hidden, bounded=True)


def _gate_notes(lines: Lines, shape: ModelShape) -> None:
    """The gates' equations where their rows had no room for them, and torch's GRU detail."""
    if lines.width < WIDE or shape.layers > 1:
        for equation, role in GATE_EQUATIONS[shape.kind]:
            lines.dim(f"{equation}  ({role})")
    if shape.kind == "gru":
        lines.dim("torch (nn.GRU) applies R after the product: R⊙(H W_hh + b_hh)")


def _prediction(lines: Lines, shape: ModelShape, step: CharStep) -> None:
    # An LSTM's O_t is its output gate: the output layer goes by its equation there.
    name = "H_t W_hq + b_q" if shape.kind == "lstm" else "O_t"
    entries = []
    for ch, logit, p in step.top:
        entry = Text(f"'{shown_char(ch)}' ", style="bold")
        entry.append(f"O {logit:.2f} p {p:.3f}  ")
        entries.append(entry)
    if step.actual is not None:
        ch, p = step.actual
        entries.append(Text(f"· next in the prompt '{shown_char(ch)}' p {p:.3g}", style="dim"))
    lines.entries(Text(f"{name} → softmax: ", style="bold"), entries)


def _perplexity(
    lines: Lines, shape: ModelShape, prompt: float | None, run: float | None
) -> None:
    text = Text("perplexity: best 1 · ", style="")
    if prompt is not None:
        text.append(f"this prompt {_ppl(prompt)} · ", style="bold")
    if run is not None:
        text.append(f"the run's training {_ppl(run)} · ", style="bold")
    text.append(f"uniform = V = {shape.vocab} · worst +∞ (a true character given p 0)")
    lines.text(text)


def _ppl(x: float) -> str:
    return "+∞" if math.isinf(x) else f"{x:.3g}"


def _diagram(lines: Lines, shape: ModelShape) -> None:
    v, h = shape.vocab, shape.hidden
    gates = {"gru": 3, "lstm": 4}.get(shape.kind, 1)
    g = f"{gates}·" if gates > 1 else ""
    phi = "σ/tanh gates" if gates > 1 else shape.nonlinearity
    # Each box with its parameter's count as the core reports it (the biases: the line below).
    counts = {p.name: p.count for p in shape.parameters}
    names = BOXES["scratch" if shape.kind == "scratch" else "nn"]
    w_xh, w_hh, w_hq = (f"{counts.get(name, 0):,}" for name in names)
    x_in = f"[W_xh {v}×{g}{h}: {w_xh}]" if shape.embed_dim is None else (
        f"[E {v}×{shape.embed_dim}, W {shape.embed_dim}×{g}{h}]")  # fmt: skip
    lines.text(Text(
        f"X_t 1×{v} → {x_in} → ⊕ ← [W_hh {h}×{g}{h}: {w_hh}] ← H_(t-1); {phi} → "
        f"H_t 1×{h} → [W_hq {h}×{v}: {w_hq}] → O_t 1×{v} → softmax → next character"
        + (f"  (×{shape.layers} layers: each upper layer reads H_t of the one below)"
           if shape.layers > 1 else "")
    ))  # fmt: skip
    parts = [f"{p.name} {'×'.join(map(str, p.shape))} = {p.count:,}" for p in shape.parameters]
    lines.dim(f"{shape.total:,} parameters: " + ", ".join(parts))
