"""`rnnplay inspect --step`: the app's model view as text. The model's parameters with their
shapes, then one time step of TEXT term by term (engine/inspect/step.py: the same records the
view draws), as tab-separated lines after '#' lines that say what they are."""

from __future__ import annotations

import math

from engine.inspect.step import CharStep, ModelSteps, Vector
from rnnplay.complete_cmd import shown_char


def step_lines(steps: ModelSteps, position: int) -> list[str]:
    """The lines for the character at `position` (0-based) of the text; it is a known one."""
    shape, step = steps.shape, steps.steps[position]
    assert step is not None  # the command refuses characters the model does not know
    phi = "gates" if shape.kind in ("gru", "lstm") else shape.nonlinearity
    lines = [
        f"# {shape.kind} model: V = {shape.vocab}, H = {shape.hidden}, {shape.layers} "
        f"layer(s), φ = {phi}; {shape.total} parameters",
        *(f"# parameter\t{p.name}\t{p.book}\t{'x'.join(map(str, p.shape))}\t{p.count}"
          for p in shape.parameters),
        f"# step {position + 1} of {len(steps.text)}: {shown_char(step.char)!r} = index "
        f"{step.index} of {shape.vocab} (X_t is one-hot: X_t W_xh is row {step.index} of W_xh)",
        "layer\tterm\tnorm\tfirst units",
    ]  # fmt: skip
    lines += _terms(step)
    lines.append("# O_t = H_t W_hq + b_q, softmax: the likeliest next characters")
    lines.append("next\tlogit\tprob")
    lines += [f"{shown_char(ch)}\t{logit:.6g}\t{p:.6g}" for ch, logit, p in step.top]
    if step.actual is not None:
        ch, p = step.actual
        lines.append(f"# the text's next character {shown_char(ch)!r}: p {p:.6g}")
    ppl = steps.perplexity
    shown = "none (fewer than two known characters)" if ppl is None else (
        "+inf" if math.isinf(ppl) else f"{ppl:.6g}")  # fmt: skip
    lines.append(f"# perplexity: best 1; this text {shown}; uniform {shape.vocab} (the "
                 "vocabulary); worst +inf (a true character given probability 0)")
    return lines


def _terms(step: CharStep) -> list[str]:
    rows = []
    for number, layer in enumerate(step.layers, start=1):
        named: list[tuple[str, Vector]] = [
            ("X_t W_xh" if number == 1 else "H_t(below) W_xh", layer.input),
            ("H_(t-1) W_hh", layer.recurrent),
            ("bias", layer.bias),
            *layer.gates,
        ]
        if layer.cell is not None:
            named.append(("C_t", layer.cell))
        named.append(("H_t", layer.hidden))
        rows += [
            f"{number}\t{name}\t{v.norm:.6g}\t{' '.join(f'{x:.4g}' for x in v.first)}"
            for name, v in named
        ]
    return rows
