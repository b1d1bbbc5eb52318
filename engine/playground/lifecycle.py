"""What a run may do in each state of its life: the one table every command of the playground
checks (train on, pause, save, remove, clear...), so no action decides ad hoc what it does to a
run, and a UI can ask the same table what to offer (RunSummary.allows).
"""

from __future__ import annotations

from enum import StrEnum

from engine.training.events import RunState


class Action(StrEnum):
    """Something a user asks of one run."""

    TRAIN_ON = "train on"  # train a parked run (further), on a thread of its own
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"
    SET_LR = "set lr"  # change the learning rate while it trains
    SAVE = "save"
    REMOVE = "remove"  # drop it from the registry (one run, asked for by name)
    CLEAR = "clear"  # drop it with the others that are done (F3)


class UnsavedPolicy(StrEnum):
    """What removing or clearing does with a run that holds training no file holds yet."""

    REFUSE = "refuse"  # keep it and say why: nothing unsaved goes without being asked
    SAVE = "save"  # save it first; it leaves only once the save succeeded
    DISCARD = "discard"  # the user said to drop it


_CONTROLS = frozenset({Action.PAUSE, Action.RESUME, Action.STOP, Action.SET_LR, Action.SAVE})
_PARKED = frozenset({Action.TRAIN_ON, Action.SAVE, Action.REMOVE})
_ENDED = frozenset({Action.SAVE, Action.REMOVE, Action.CLEAR})

# Pause and resume are allowed in both active states: the trainer applies them at its next
# batch, so the state lags the request, and a resume must be able to cancel a pending pause.
# CLEAR takes only runs that are done for good: a stopped run was not finished (F3 once counted
# it and lost an 8-minute LSTM), and a loaded or idle one has not been looked at yet (but a
# loaded run that had reached its epochs is finished: Registry.clear_plan takes it too).
_ALLOWED: dict[RunState, frozenset[Action]] = {
    RunState.IDLE: _PARKED,
    RunState.QUEUED: _PARKED,  # train on: it leaves the queue and starts now
    RunState.LOADING: frozenset(),
    RunState.LOADED: _PARKED,
    RunState.RUNNING: _CONTROLS,
    RunState.PAUSED: _CONTROLS,
    RunState.FINISHED: _PARKED | {Action.CLEAR},
    RunState.STOPPED: _PARKED,
    # The guard kept the bad step out of the weights, so they are worth saving; training on
    # would only diverge again at the same learning rate.
    RunState.DIVERGED: _ENDED,
    RunState.FAILED: _ENDED,
}


def allowed(state: RunState) -> frozenset[Action]:
    """The actions a run in `state` allows."""
    return _ALLOWED[state]
