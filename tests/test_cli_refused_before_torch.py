"""A mistyped option is refused before torch is imported: importing it costs ~2 CPU-seconds
(much more on a busy machine), which a typo should not. Checked in a process of its own, since
this one has torch loaded already."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from helpers import REPO_ROOT

# Each command line, and the one line it is refused with (as before the check was moved).
CASES = [
    (["train", "--lr", "abc"],
     "rnnplay train: error: argument --lr: learning rate must be a number, not 'abc'"),
    (["train", "--no-such-option"], "rnnplay: error: unrecognized arguments: --no-such-option"),
    (["train", "--save-every", "3"],
     "rnnplay train: --save-every needs --save PATH (or --resume PATH)"),
    (["train", "--resume", "s.rnnplay", "--hidden", "8"],
     "rnnplay train: a resumed session keeps its saved settings; drop --hidden"),
    (["train", "--lr", "-1"], "rnnplay train: learning rate must be a positive number"),
    (["train", "--corpus", " "], "rnnplay train: corpus is empty"),
    (["bench-device", "--batches", "0"],
     "rnnplay bench-device: --batches and --warmup must be at least 1"),
    (["complete", "s.rnnplay", "--chars", "x"],
     "rnnplay complete: error: argument --chars: must be a whole number, not 'x'"),
]

# Runs each command line through the CLI's main in turn and says, after each, whether torch
# has been imported (once it is, it stays: the first case that says so is the one at fault).
PROBE = """
import contextlib, io, json, sys
from rnnplay.cli import main
results = []
for argv in json.loads(sys.argv[1]):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as usage:  # argparse's usage error
            code = usage.code
    results.append([code, err.getvalue(), "torch" in sys.modules])
print(json.dumps(results))
"""


def test_bad_options_are_refused_without_importing_torch() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps([argv for argv, _ in CASES])],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONIOENCODING": "utf-8"},
    )
    assert out.returncode == 0, out.stderr
    for (argv, line), (code, err, torch_loaded) in zip(CASES, json.loads(out.stdout),
                                                       strict=True):
        assert code == 2, (argv, err)
        assert err.strip().splitlines()[-1].startswith(line), (argv, err)
        assert not torch_loaded, f"{' '.join(argv)} imported torch before refusing it"
