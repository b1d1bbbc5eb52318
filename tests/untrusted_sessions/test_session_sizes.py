"""Sizes that lie: a header declaring more than the saved model holds, more than the size cap or
more than the file has is refused from the header alone, without reading or allocating it; and a
real session larger than the memory free is refused saying how much it needs (issue 23 item 7)."""

from __future__ import annotations

import hashlib
import json
import resource
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import header_of, meta_of, refused, small_trainer

from engine.data.corpus import load_corpus
from engine.session import save_session
from engine.session.container import MAX_FILE_BYTES

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _declare_extra_tensor(path: Path, source: Path, numel: int) -> int:
    """A copy of source whose header (meta checksum valid) also declares a float32 weight of
    numel elements past the real data; the file is extended sparsely to match. Returns the
    declared data size."""
    n, head = header_of(source)
    data = source.read_bytes()[8 + n :]
    meta = meta_of(source)
    name = "trainer/model/extra"
    meta["tensors"][name] = ["F32", [numel]]
    meta["trainer"]["model"]["extra"] = {"__tensor__": name}
    text = json.dumps(meta, ensure_ascii=True, separators=(",", ":"))
    head["__metadata__"].update(meta=text, meta_sha256=hashlib.sha256(text.encode()).hexdigest())
    head[name] = {"dtype": "F32", "shape": [numel], "data_offsets": [len(data),
                                                                     len(data) + 4 * numel]}
    raw = json.dumps(head).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw + data)
        f.truncate(8 + len(raw) + len(data) + 4 * numel)  # a hole: no disk used, reads as 0
    return len(data) + 4 * numel


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def test_a_declared_size_the_model_cannot_hold_is_refused_before_reading(
    tmp_path: Path, saved: Path
) -> None:
    # 1 GiB declared (and present, as a hole) for a model of ~1,000 weights: the reader must
    # refuse from the header alone, not read, hash or allocate the gigabyte.
    big = tmp_path / "big.rnnplay"
    _declare_extra_tensor(big, saved, 2**28)
    assert big.stat().st_size > 2**30
    before, start = _peak_rss_mib(), time.perf_counter()
    refused(big, "do not fit")
    assert time.perf_counter() - start < 2.0
    assert _peak_rss_mib() - before < 200


def test_a_file_over_the_size_cap_is_refused_without_mapping(tmp_path: Path, saved: Path) -> None:
    huge = tmp_path / "huge.rnnplay"
    _declare_extra_tensor(huge, saved, 30 * 2**28)  # 30 GiB, sparse
    start = time.perf_counter()
    refused(huge, f"over the {MAX_FILE_BYTES // 1024**3} GiB")
    assert time.perf_counter() - start < 2.0


def test_a_small_file_declaring_30_gb_is_one_clear_error(tmp_path: Path, saved: Path) -> None:
    # The case: a few KB on disk and in size, 30 GB in the header.
    liar = tmp_path / "liar.rnnplay"
    declared = _declare_extra_tensor(liar, saved, 30 * 2**28)
    with open(liar, "r+b") as f:
        f.truncate(liar.stat().st_size - declared + saved.stat().st_size // 2)
    assert liar.stat().st_size < 64 * 1024
    start = time.perf_counter()
    refused(liar, "damaged or truncated")
    assert time.perf_counter() - start < 2.0


# Loads a session under a data limit (as `prlimit --data` sets) of what the process uses now
# plus argv[2] bytes; prints the one line a user would see.
LOAD_LIMITED = """
import resource, sys
from engine.session import SessionError, load_session
used = next(int(line.split()[1]) * 1024 for line in open("/proc/self/status")
            if line.startswith("VmData:"))
resource.setrlimit(resource.RLIMIT_DATA, (used + int(sys.argv[2]), resource.RLIM_INFINITY))
try:
    load_session(sys.argv[1])
    print("loaded")
except SessionError as e:
    print(e)
"""


def test_a_session_larger_than_free_memory_is_refused_saying_how_much_it_needs(
    tmp_path: Path,
) -> None:
    # Issue 23 item 7: a raw allocator RuntimeError (or a bare MemoryError) before.
    corpus = load_corpus("jaychou", max_chars=3000)
    trainer = small_trainer(corpus, model="rnn", hidden=1536, epochs=1, num_steps=5,
                            batch_size=4, pred_period=0, val_chars=0, epoch_batches=1)
    trainer.run_epoch()
    path = save_session(tmp_path / "big.rnnplay", trainer)
    size = path.stat().st_size
    assert size > 30 * 2**20
    done = subprocess.run([sys.executable, "-c", LOAD_LIMITED, str(path), str(size * 3 // 2)],
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.count("\n") == 1 and not done.stderr, (done.stdout, done.stderr)
    assert "not enough memory: loading it takes about" in done.stdout, done.stdout
    assert f"twice the file's {size / 1e6:.1f} MB" in done.stdout, done.stdout
