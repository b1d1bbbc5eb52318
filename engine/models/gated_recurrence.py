"""GRU and LSTM recurrences in torch's gate layout, with backprop through time written out.

Both take the input side of the gates already computed for every step (the row lookup of
models.TorchRNN, plus biases), so the loop only does what truly depends on the previous step:
one (B, H) @ (H, G*H) product and the gate arithmetic. Torch's CPU kernels run the same loop in
C++ but record ~10 autograd nodes per step; here the forward records nothing and the backward
first computes, for all steps at once, every factor that does not depend on the incoming
gradient, so each backward step is one elementwise product per gate group and one product by
W_hh. The arithmetic is nn.GRU's and nn.LSTM's (tests/test_models.py compares both, and runs
gradcheck).
"""

from __future__ import annotations

import torch


def _previous(first: torch.Tensor, seq: torch.Tensor) -> torch.Tensor:
    """[first, seq_0, .., seq_{T-2}]: the value each step started from, (T, B, H)."""
    return torch.cat((first.unsqueeze(0), seq[:-1]))


class GRURecurrence(torch.autograd.Function):
    """nn.GRU's step for T steps, given gx = x W_ih^T + b_ih for every step (T, B, 3H).

    r = σ(gx_r + h W_hr^T + b_hr), z = σ(gx_z + h W_hz^T + b_hz),
    n = tanh(gx_n + r ⊙ (h W_hn^T + b_hn)), h' = (1 - z) ⊙ n + z ⊙ h.
    """

    @staticmethod
    def forward(
        ctx, gx: torch.Tensor, h0: torch.Tensor, w_hh: torch.Tensor, b_hh: torch.Tensor
    ) -> torch.Tensor:
        steps, batch, gates = gx.shape
        hidden = gates // 3
        hs = gx.new_empty(steps, batch, hidden)
        gh = gx.new_empty(steps, batch, gates)  # h W_hh^T + b_hh, kept: n's backward needs it
        rz = gx.new_empty(steps, batch, 2 * hidden)
        ns = gx.new_empty(steps, batch, hidden)
        w_t = w_hh.t()
        h = h0
        for t in range(steps):
            torch.addmm(b_hh, h, w_t, out=gh[t])
            torch.add(gx[t, :, : 2 * hidden], gh[t, :, : 2 * hidden], out=rz[t]).sigmoid_()
            r, z = rz[t, :, :hidden], rz[t, :, hidden:]
            torch.addcmul(gx[t, :, 2 * hidden :], r, gh[t, :, 2 * hidden :], out=ns[t]).tanh_()
            # lerp(n, h, z) = n + z ⊙ (h - n) = (1 - z) ⊙ n + z ⊙ h, in one pass.
            h = torch.lerp(ns[t], h, z, out=hs[t])
        ctx.save_for_backward(h0, w_hh, hs, gh, rz, ns)
        return hs

    @staticmethod
    def backward(ctx, d_hs: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        h0, w_hh, hs, gh, rz, ns = ctx.saved_tensors
        steps, batch, hidden = hs.shape
        r, z = rz[..., :hidden], rz[..., hidden:]
        gh_n = gh[..., 2 * hidden :]
        d_hs = d_hs.contiguous()
        # With dh the total gradient reaching h' of a step, every gate pre-activation's
        # gradient is dh times a factor known from the forward pass:
        #   d(gx_n) = dh (1-z)(1-n^2) = dh A,  d(gh_n) = d(gx_n) r = dh A r,
        #   d(a_r) = d(gx_n) gh_n r(1-r),  d(a_z) = dh (h-n) z(1-z),
        # and dh flows on to the previous h through z and through d(gh) W_hh.
        a = (1 - z) * (1 - ns * ns)
        factors = torch.stack(
            (a * gh_n * r * (1 - r), (_previous(h0, hs) - ns) * z * (1 - z), a * r), dim=2
        )  # (T, B, 3, H), gate order r, z, n like gh
        d_gh = torch.empty_like(gh)
        d_gh3 = d_gh.view(steps, batch, 3, hidden)
        d_h = torch.empty_like(hs)  # d_h[t]: total gradient reaching H_t
        d_h[steps - 1] = d_hs[steps - 1]
        for t in range(steps - 1, 0, -1):
            torch.mul(d_h[t].unsqueeze(1), factors[t], out=d_gh3[t])
            carried = torch.addcmul(d_hs[t - 1], d_h[t], z[t])
            torch.addmm(carried, d_gh[t], w_hh, out=d_h[t - 1])
        torch.mul(d_h[0].unsqueeze(1), factors[0], out=d_gh3[0])
        d_gx = d_gh.clone()
        torch.mul(d_h, a, out=d_gx[..., 2 * hidden :])  # gx_n is outside r's product
        flat = d_gh.view(-1, 3 * hidden)
        d_w_hh = flat.t() @ _previous(h0, hs).reshape(-1, hidden)
        d_h0 = None
        if ctx.needs_input_grad[1]:
            d_h0 = torch.addcmul(d_gh[0] @ w_hh, d_h[0], z[0])
        return d_gx, d_h0, d_w_hh, flat.sum(0)


class LSTMRecurrence(torch.autograd.Function):
    """nn.LSTM's step for T steps, given gx = x W_ih^T + b_ih + b_hh for every step (T, B, 4H).

    i, f, g, o = σ, σ, tanh, σ of (gx + h W_hh^T), c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c').
    Returns all H_t and all C_t (T, B, H) each.
    """

    @staticmethod
    def forward(
        ctx, gx: torch.Tensor, h0: torch.Tensor, c0: torch.Tensor, w_hh: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        steps, batch, gates = gx.shape
        hidden = gates // 4
        acts = torch.empty_like(gx)  # the gates after their nonlinearities, i f g o
        hs = gx.new_empty(steps, batch, hidden)
        cs = torch.empty_like(hs)
        tanh_cs = torch.empty_like(hs)
        w_t = w_hh.t()
        h, c = h0, c0
        for t in range(steps):
            a = torch.addmm(gx[t], h, w_t, out=acts[t])
            a[:, : 2 * hidden].sigmoid_()
            a[:, 2 * hidden : 3 * hidden].tanh_()
            a[:, 3 * hidden :].sigmoid_()
            c = torch.mul(a[:, hidden : 2 * hidden], c, out=cs[t])
            c.addcmul_(a[:, :hidden], a[:, 2 * hidden : 3 * hidden])
            torch.tanh(c, out=tanh_cs[t])
            h = torch.mul(a[:, 3 * hidden :], tanh_cs[t], out=hs[t])
        ctx.save_for_backward(h0, c0, w_hh, acts, cs, tanh_cs, hs)
        ctx.set_materialize_grads(False)
        return hs, cs

    @staticmethod
    def backward(
        ctx, d_hs: torch.Tensor | None, d_cs: torch.Tensor | None
    ) -> tuple[torch.Tensor | None, ...]:
        h0, c0, w_hh, acts, cs, tanh_cs, hs = ctx.saved_tensors
        steps, batch, hidden = hs.shape
        if d_hs is None:
            d_hs = torch.zeros_like(hs)
        d_hs = d_hs.contiguous()
        i, f = acts[..., :hidden], acts[..., hidden : 2 * hidden]
        g, o = acts[..., 2 * hidden : 3 * hidden], acts[..., 3 * hidden :]
        # dc (the total gradient reaching C_t) = incoming dc + dh o (1 - tanh^2 c); from it
        # d(a_i) = dc g i(1-i), d(a_f) = dc c_prev f(1-f), d(a_g) = dc i (1-g^2); and
        # d(a_o) = dh tanh(c) o(1-o). The factors are known from the forward pass.
        through_c = o * (1 - tanh_cs * tanh_cs)
        factors = torch.stack(
            (g * i * (1 - i), _previous(c0, cs) * f * (1 - f), i * (1 - g * g)), dim=2
        )  # (T, B, 3, H)
        factor_o = tanh_cs * o * (1 - o)
        d_acts = torch.empty_like(acts)
        d_acts4 = d_acts.view(steps, batch, 4, hidden)
        d_h = d_hs[steps - 1].clone()
        d_c = torch.zeros_like(hs[0]) if d_cs is None else d_cs[steps - 1].clone()
        for t in range(steps - 1, -1, -1):
            d_c.addcmul_(d_h, through_c[t])
            torch.mul(d_c.unsqueeze(1), factors[t], out=d_acts4[t, :, :3])
            torch.mul(d_h, factor_o[t], out=d_acts4[t, :, 3])
            d_c.mul_(f[t])  # now the gradient reaching C_{t-1}
            if t > 0:
                if d_cs is not None:
                    d_c.add_(d_cs[t - 1])
                torch.addmm(d_hs[t - 1], d_acts[t], w_hh, out=d_h)
        flat = d_acts.view(-1, 4 * hidden)
        d_w_hh = flat.t() @ _previous(h0, hs).reshape(-1, hidden)
        d_h0 = d_acts[0] @ w_hh if ctx.needs_input_grad[1] else None
        d_c0 = d_c if ctx.needs_input_grad[2] else None
        return d_acts, d_h0, d_c0, d_w_hh
