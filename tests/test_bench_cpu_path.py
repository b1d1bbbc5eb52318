"""bench/gpu.sh's CPU path: every part of the GPU check runs, with the CPU standing in for CUDA.

Small settings (1,500 characters, 16 hidden units, one timed epoch) keep it to a few seconds;
the script is the one a GPU machine runs, only --device differs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parent.parent

QUICK = ["--max-chars", "1500", "--hidden", "16", "--epochs", "1", "--warmup", "1",
         "--keystrokes", "3", "--models", "scratch,gru"]


def _gpu_sh(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(REPO_ROOT / "bench" / "gpu.sh"), *args],
        capture_output=True, text=True, timeout=300, env=_env(),
    )


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHON": sys.executable}


@pytest.mark.usefixtures("jaychou")  # the zip is where RNNPLAY_CORPUS_DIR points
def test_every_part_runs_on_the_cpu() -> None:
    run = _gpu_sh("--device", "cpu", *QUICK)
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout
    assert "parity passed" in out
    speed, keys, saves = (_rows(out, title) for title in ("speed on cpu", "keystrokes:",
                                                            "save on the training device"))
    assert [r[:2] for r in speed] == [["scratch", "random"], ["scratch", "consecutive"],
                                      ["gru", "consecutive"]]
    assert speed[2][5].endswith("(one-hot)")  # gru also timed on its other input path
    # One row per model: the app's prompt runs on the CPU, and here the device is the CPU too.
    assert [r[0] for r in keys] == ["scratch", "gru"] and {r[2] for r in keys} == {"cpu"}
    for row in keys:
        p50, p99 = float(row[3]), float(row[4])
        assert 0 < p50 <= p99
    assert [r[:3] for r in saves] == [["scratch", "cpu", "yes"], ["gru", "cpu", "yes"]]
    assert "save/load passed" in out


def _rows(out: str, title: str) -> list[list[str]]:
    """The body rows of the markdown table printed after the line starting with `title`."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    rows = []
    for line in lines[start + 3 :]:  # title, header, separator
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is here: the default runs for real")
def test_without_cuda_it_says_so_and_exits_2() -> None:
    run = _gpu_sh("--skip-speed")
    assert run.returncode == 2
    assert "CUDA is not available" in run.stderr and "--device cpu" in run.stderr
