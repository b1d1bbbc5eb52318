#!/usr/bin/env bash
# GPU check for the engine: CPU-vs-CUDA parity of the scratch model, seconds per epoch of every
# model on CUDA against the book's code (and the nn models on their other input path), the app's
# keystroke path on the CUDA-trained models, and their saves loaded on the CPU. Usage:
#   bash bench/gpu.sh [--epochs N] [--models scratch,rnn,gru,lstm] [--device cuda:1] ...
#   bash bench/gpu.sh --device cpu       # self-test of the script on a machine without CUDA
#   bash bench/gpu.sh --device cpu --max-chars 2000 --epochs 1 --warmup 1 --keystrokes 5  # quick
# Python: $PYTHON if set, else the checkout's .venv if it has one, else python3 (needs torch).
# The jaychou zip is looked up in $RNNPLAY_CORPUS_DIR, else corpus/ (downloaded if missing).
# Exit status: 0 ok, 1 a check failed (parity, save/load), 2 no CUDA (or no corpus), 3 no usable
# Python/torch.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${PYTHON:-}" && -x .venv/bin/python ]]; then
    PYTHON=.venv/bin/python
fi
PYTHON="${PYTHON:-python3}"

if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "bench/gpu.sh: no Python at '$PYTHON'; set PYTHON=/path/to/python (with torch)" >&2
    exit 3
fi
if ! "$PYTHON" -c "import torch" >/dev/null 2>&1; then
    echo "bench/gpu.sh: '$PYTHON' cannot import torch; install it or set PYTHON" >&2
    exit 3
fi

# The Python side checks for CUDA (and says why it is missing) so --device cpu can bypass it.
exec "$PYTHON" -m bench.gpu_check "$@"
