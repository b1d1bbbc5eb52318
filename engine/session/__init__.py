"""Sessions: save a trainer, load it anywhere, and carry on exactly where it stopped.

File format (format version 2) ============================== One file per session, a plain
safetensors file (see engine/session/container.py for the byte layout and the checks made on
reading). Its `__metadata__` holds:

    format          "rnnplay-session"
    format_version  "2"   (readers refuse larger numbers: a newer rnnplay wrote it; version 1
                          differs only in how data_sha256 is computed, and still loads)
    meta            one JSON document, ASCII-only (\\u escapes), described below
    meta_sha256     SHA-256 of the meta string
    data_sha256     SHA-256 of the tensor bytes (safetensors checks neither)

The meta document:

    saved_at     "2026-01-01T12:00:00Z" (UTC)
    summary      {"model", "epoch", "perplexity" (null before the first epoch), "corpus"}
                 what a load screen shows, readable from the header alone
    corpus       {"name": "jaychou" | "pysrc" | an absolute path, "sha256": of the normalised
                 text (Corpus.sha256), "max_chars": characters used (reloading with it gives the
                 same text), "vocab_size"}
    vocab        the vocabulary in index order (the model's rows and columns mean these chars)
    prompt       the prompt text typed in the app
    label        the run's name in the app (optional; absent from files saved before)
    prompt_settings  how the app's prompt completed (optional; absent from files saved before)
    diverged     why the run diverged, the trainer's message (optional: written only for a run
                 that diverged; its weights are from before the bad step, so a run loaded from
                 it is diverged again and `train --resume` refuses it)
    trainer      trainer_state(trainer) as JSON, tensors replaced by {"__tensor__": name}; see
                 engine/session/codec.py for the tags. Holds the config (TrainConfig.to_dict()),
                 weights, optimizer state, epoch/step counters, perplexity/gradient-norm history,
                 samples, the in-epoch cursor (consecutive sampling's hidden state) and the RNG
                 states (sampling generator, torch, python, cuda).
    tensors      {name: [dtype, shape]}: the manifest the safetensors index must match
    environment  {"rnnplay", "torch", "safetensors", "python", "platform", "device",
                  "device_name"} - informative only

Tensors are named by their place in the state ("trainer/model/W_xh",
"trainer/optimizer/state/0/exp_avg", ...), so `safetensors.safe_open` shows them readably.

Nothing here ever unpickles: no pickle, no torch.load. A shared save is data, never code. Saves are
atomic (engine/data/atomic_write.py: temporary file, fsync, rename, fsync of the directory): a crash
or a full disk while saving leaves the previous save as it was.

The package, one idea per module: types.py (format constants, Session, SessionError, SessionInfo),
container.py (the checksummed safetensors container), codec.py (nested state <-> JSON + tensors),
meta.py (summary, corpus reference, environment), trainer_state.py (a trainer's state and back),
schema.py (what every top-level field of the meta document
may hold, checked before a tensor byte is read), state_schema.py (the same for the trainer's
state), field_checks.py (the checks both use: keys, bounded numbers, printable text, tensor
dtypes), values.py (what the numbers in the tensors may be,
checked once read), save.py (writing, periodic saves), load.py (reading
and verifying), restore.py (a trainer from a session), listing.py (the save directory and its
listing), save_job.py (a snapshot on the trainer's thread, the write on its own), save_lock.py (one
writing process per session file), export.py (curves as CSV and JSON lines). The public names of
the first nine, and SaveLock, are importable from engine.session.
"""

from engine.session.listing import (
    SAVE_DIR_ENV,
    default_save_dir,
    list_sessions,
    session_info,
    suggest_path,
)
from engine.session.load import load_session
from engine.session.restore import restore_trainer
from engine.session.save import (
    PeriodicSave,
    check_save_target,
    save_session,
    session_bytes,
    write_session,
)
from engine.session.save_lock import SaveLock
from engine.session.types import FORMAT, FORMAT_VERSION, Session, SessionError, SessionInfo

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "SAVE_DIR_ENV",
    "PeriodicSave",
    "SaveLock",
    "Session",
    "SessionError",
    "SessionInfo",
    "check_save_target",
    "default_save_dir",
    "list_sessions",
    "load_session",
    "restore_trainer",
    "save_session",
    "session_bytes",
    "session_info",
    "suggest_path",
    "write_session",
]
