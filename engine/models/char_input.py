"""The first layer's input: the book's one-hot vectors, or a learned embedding.

The book feeds X_t = one_hot(x_t), a 1 x V row, and multiplies it by W_xh (V x H). A one-hot row
times a matrix IS row x_t of that matrix: W_xh is already an embedding table of size V, one row
of H numbers per character, and the product is a lookup. Every model here does the lookup
instead of the V x H multiply-adds: the same numbers, and the gradient lands on the rows read
(summed per character), as the product's would.

`--input embed` makes that table a learned embedding E of d columns followed by a d x H product:
X_t W_xh becomes E[x_t] W_eh, i.e. W_xh factored as E W_eh, of rank at most d. With d = V and
E the identity it is the book's model again; with d < V a character is d learned numbers.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def input_side(
    X: torch.Tensor, table: torch.Tensor, bias: torch.Tensor, project: torch.Tensor | None = None
) -> torch.Tensor:
    """(T, B, G), time-major: row X_t of `table` for every step, times `project` (d, G) when the
    table is an embedding (V, d), plus `bias` (G,). X: (B, T) character indices."""
    rows = F.embedding(X.t(), table)
    if project is None:
        return rows.add_(bias)
    steps, batch, width = rows.shape
    return torch.addmm(bias, rows.reshape(-1, width), project).view(steps, batch, -1)
