"""Will a run fit in memory? An estimate made before anything is allocated.

`check_memory` is called by whoever is about to build a Trainer (the `rnnplay train` command and
the playground core, for a fresh run and a resumed one), so a setting like `--model lstm
--layers 16 --hidden 8192` (about 33 GB) is refused in one line instead of swapping the machine
to a halt or dying of an out-of-memory error minutes later.

What training holds, in float32 numbers (4 bytes each), as measured on the CPU:
  - per parameter: the weight, its gradient and the gradient summed over time steps, Adam's two
    moments and the temporaries of its update (plain SGD has none), and on the CPU the copy
    published for the prompt: 4 numbers with SGD, 8 with Adam (one fewer on a GPU);
  - one batch's activations for backpropagation through time: per token, a few numbers per
    vocabulary entry (one-hot input, logits, softmax, its gradient) and per layer a few per
    hidden unit (the states and gate values each time step keeps), and an embedding's row;
  - without detaching (consecutive sampling), the epoch's last batch also backpropagates
    through every earlier batch of the epoch: their states and gate values, per token.
The parameter count is exact, counted from the config the way engine/models/char_rnn.py builds
its tensors (tests/test_config_memory.py compares it with a built model's for every kind, depth
and input), without building anything: even a model on torch's "meta" device imports
torch._dynamo, about a CPU-second in every process that checks a run. Measured peaks for models
from 1 to 70 MB of weights and 5 to 700 MB of activations came within 20% of the estimate, and
OVERHEAD_BYTES covers torch's own ~90 MB.
"""

from __future__ import annotations

import functools
import os
import resource
from dataclasses import dataclass, replace
from pathlib import Path

import torch

from engine.config import ConfigError, TrainConfig, spec_of
from engine.data.sampling import consecutive_starts
from engine.training.device import resolve_device

FLOAT_BYTES = 4
# Numbers per parameter while training (CPU; see above).
COPIES = {"SGD": 4, "Adam": 8}
# Per token: numbers per hidden unit and layer (states, gates, their nonlinearities), and per
# vocabulary entry (the scratch model looks its inputs up and fuses its softmax in place).
GATE_VALUES = {"scratch": 3, "rnn": 3, "gru": 8, "lstm": 10}
VOCAB_VALUES = {"scratch": 2, "rnn": 5, "gru": 5, "lstm": 5}
# Allocator slack, the interpreter and torch itself: what a run needs beyond the estimate.
OVERHEAD_BYTES = 256 * 2**20
# Gate blocks in each weight matrix of torch's recurrent layers (nn.RNN, nn.GRU, nn.LSTM).
GATES = {"rnn": 1, "gru": 3, "lstm": 4}


@dataclass(frozen=True)
class Estimate:
    parameters: int  # how many numbers the model holds
    state_bytes: int  # weights, gradients, optimizer state and the published copy
    batch_bytes: int  # one batch's activations
    # not detaching: the earlier batches' graph the epoch's last batch backpropagates through
    graph_bytes: int = 0
    earlier_batches: int = 0  # how many batches that graph spans

    @property
    def total_bytes(self) -> int:
        return self.state_bytes + self.batch_bytes + self.graph_bytes + OVERHEAD_BYTES


def estimate(
    config: TrainConfig, vocab_size: int, device: torch.device, train_chars: int | None = None
) -> Estimate:
    """Bytes a run of `config` needs on `device`, before building anything; a run that does
    not detach needs `train_chars` (the text it trains on) for its epoch's graph."""
    params = parameter_count(config, vocab_size)
    # The copy published for the prompt lives on the CPU, not on a GPU.
    copies = COPIES[config.optimizer_name] - (device.type != "cpu")
    tokens = config.num_steps * config.batch_size
    per_token = GATE_VALUES[config.model] * config.layers * config.hidden + (config.embedding or 0)
    values = tokens * (VOCAB_VALUES[config.model] * vocab_size + per_token)
    earlier = 0
    if not config.detach and train_chars is not None:
        earlier = max(_epoch_batches(config, train_chars) - 1, 0)
    return Estimate(params, copies * params * FLOAT_BYTES, values * FLOAT_BYTES,
                    earlier * tokens * per_token * FLOAT_BYTES, earlier)


def parameter_count(config: TrainConfig, vocab_size: int) -> int:
    """The numbers engine.models.char_rnn.model_for(config, vocab_size) holds."""
    hidden, d = config.hidden, config.embedding
    width = vocab_size if d is None else d  # what the first layer reads
    embedding = 0 if d is None else vocab_size * d
    output = hidden * vocab_size + vocab_size  # W_hq and b_q, or the dense layer
    if config.model == "scratch":  # W_xh (or E and W_eh), W_hh, b_h: one layer whatever is set
        return embedding + width * hidden + hidden * hidden + hidden + output
    rows = GATES[config.model] * hidden  # per layer: W_ih, W_hh, b_ih, b_hh
    layers = rows * (width + hidden + 2) + (config.layers - 1) * rows * (2 * hidden + 2)
    return embedding + layers + output


def _epoch_batches(config: TrainConfig, train_chars: int) -> int:
    batches = len(consecutive_starts(train_chars, config.batch_size, config.num_steps))
    return min(batches, config.epoch_batches) if config.epoch_batches else batches


def available_bytes(device: torch.device) -> int | None:
    """Memory free for a new run on `device`; None where it cannot be told."""
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        # What torch's allocator holds for tensors already freed is free to this process too.
        return free + torch.cuda.memory_reserved(device) - torch.cuda.memory_allocated(device)
    return _cpu_available()


def _cpu_available() -> int | None:
    found = [n for n in (_meminfo_available(), _cgroup_room(), _rlimit_room()) if n is not None]
    if not found and hasattr(os, "sysconf"):
        try:
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError):
            pass
    return min(found) if found else None


def _meminfo_available() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _rlimit_room() -> int | None:
    """Room under this process's own limits (ulimit -d and -v, prlimit --data and --as): the
    limit less what the process uses now; None if unlimited."""
    found = []
    for limit, field in ((resource.RLIMIT_DATA, "VmData:"), (resource.RLIMIT_AS, "VmSize:")):
        soft, _hard = resource.getrlimit(limit)
        used = _status_bytes(field)
        if soft != resource.RLIM_INFINITY and used is not None:
            found.append(max(soft - used, 0))
    return min(found) if found else None


def _status_bytes(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) * 1024  # in kB
    except (OSError, ValueError, IndexError):
        pass
    return None


def _cgroup_room() -> int | None:
    """A container's memory limit less what it uses (cgroup v2, else v1); None if unlimited."""
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
         "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
    ):
        try:
            limit = Path(limit_file).read_text().strip()
            usage = int(Path(usage_file).read_text())
        except (OSError, ValueError):
            continue
        if limit == "max" or int(limit) >= 2**60:  # v1 writes "unlimited" as a huge number
            return None
        return max(int(limit) - usage, 0)
    return None


def check_memory(
    config: TrainConfig,
    vocab_size: int,
    device: torch.device | str | None = None,
    train_chars: int | None = None,
) -> Estimate:
    """Raise ConfigError when the run would not fit in the device's free memory, saying what
    would: a smaller hidden size, else a smaller batch, else both, else fewer steps (the
    error's field is the setting to change first);
    a run that does not detach and fits only detached: detaching, or a shorter epoch.
    train_chars: the characters it trains on (for a run that does not detach)."""
    config.check()
    device = resolve_device(config.device if device is None else str(device))
    need = estimate(config, vocab_size, device, train_chars)
    room = available_bytes(device)
    if room is None or need.total_bytes <= room:
        return need
    where = "the CPU" if device.type == "cpu" else str(device)
    if need.total_bytes - need.graph_bytes <= room:
        per_batch = need.graph_bytes // need.earlier_batches
        fits = 1 + (room - need.total_bytes + need.graph_bytes) // per_batch
        raise ConfigError(
            f"not detaching keeps the whole epoch's graph: about "
            f"{format_bytes(need.total_bytes)} by its last batch ({format_bytes(need.graph_bytes)} "
            f"for the {need.earlier_batches} batches before it), more than the "
            f"{format_bytes(room)} free on {where}; detach, or cap the epoch at {fits} batches or "
            "fewer (epoch cap)", "detach")
    what = (f"{config.model} with {config.layers} x {config.hidden} hidden units needs about "
            f"{format_bytes(need.total_bytes)} to train ({format_bytes(need.state_bytes)} of "
            f"weights, gradients and optimizer state, {format_bytes(need.batch_bytes)} per "
            f"batch), more than the {format_bytes(room)} free on {where}")
    advice, field = _advice(config, vocab_size, device, room, train_chars)
    raise ConfigError(f"{what}; {advice}", field)


def _advice(config: TrainConfig, vocab_size: int, device: torch.device, room: int,
            train_chars: int | None) -> tuple[str, str]:
    """A change that fits in `room` when made as said, everything else kept, and the setting it
    changes first: a smaller hidden size, else a smaller batch, else both (the weights alone
    fill the room at this size, and one batch does at hidden size 1), else fewer steps."""
    fit = functools.partial(_largest_fit, vocab_size=vocab_size, device=device, room=room,
                            train_chars=train_chars)
    hidden = fit(config, "hidden")
    if hidden:
        return f"hidden {hidden} or less would fit", "hidden"
    batch = fit(config, "batch_size")
    if batch:
        return f"a batch size of {batch} or less would fit (or use fewer steps)", "batch_size"
    hidden = fit(replace(config, batch_size=1), "hidden")
    if hidden:
        batch = fit(replace(config, hidden=hidden), "batch_size")
        return f"hidden {hidden} with a batch size of {batch} or less would fit", "hidden"
    return "even one sequence does not fit: use fewer steps", "num_steps"


def _largest_fit(config: TrainConfig, name: str, vocab_size: int, device: torch.device,
                 room: int, train_chars: int | None = None) -> int:
    """The largest value of setting `name` (within its bounds) that fits in `room` with the
    rest of `config` as it is (the epoch's graph included); 0 if none."""
    low, high = 0, int(spec_of(TrainConfig, name).setting.le or 1)
    while low < high:
        mid = (low + high + 1) // 2
        wanted = replace(config, **{name: mid})
        if estimate(wanted, vocab_size, device, train_chars).total_bytes <= room:
            low = mid
        else:
            high = mid - 1
    return low


def format_bytes(n: int) -> str:
    """1.2 GB, 340.0 MB, 12 kB."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n / 1e3:.0f} kB"
