"""A run's label as shown now: its name, with the lr it trains at where F8 changed the one its
name holds ("#2 scratch·lr 30→20"; the core's label_now words it, so the core's messages
name a run as the screen does)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.playground import label_now

if TYPE_CHECKING:
    from engine.playground import RunSummary

__all__ = ["label_now", "shown"]


def shown(run: RunSummary) -> str:
    """The run's label as shown now: with the lr it trains at, where F8 changed it."""
    return label_now(run.label, run.config.lr)
