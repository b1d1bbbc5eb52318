"""`rnnplay bench-device`: a table of per-device epoch times and a verdict, or one-line errors."""

from __future__ import annotations

import pytest

from rnnplay.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_prints_each_cpu_setting_and_a_verdict(tiny_corpus, capsys) -> None:
    rc = main(["bench-device", "--corpus", str(tiny_corpus), "--max-chars", "0", "--model",
               "lstm", "--hidden", "8", "--batch-size", "2", "--num-steps", "5",
               "--batches", "2", "--warmup", "1"])
    out = capsys.readouterr().out
    assert rc == 0
    lines = out.splitlines()
    assert lines[0].startswith("lstm, hidden 8 x 1 layer(s), batch 2 x 5 steps")
    row = next(line for line in lines if line.startswith("CPU, 1 thread"))
    batch_s, epoch_s = map(float, row.split()[-2:])
    assert 0 < batch_s <= epoch_s
    assert "GPU" in lines[-1]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--batches", "0"], "--batches and --warmup must be at least 1"),
        (["--batch-size", "5000"], "batch"),
    ],
)
def test_bad_setups_are_one_line_errors(tiny_corpus, capsys, args, says) -> None:
    rc = main(["bench-device", "--corpus", str(tiny_corpus), "--max-chars", "0", *args])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith("rnnplay bench-device: ") and says in err
    assert len(err.strip().splitlines()) == 1


def test_device_options_are_not_offered() -> None:
    with pytest.raises(SystemExit):
        main(["bench-device", "--device", "cpu"])
