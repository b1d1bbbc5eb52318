"""`python -m engine.data.fetch_corpus`: put the book's zip where the app and the tests look for it.

The Makefile runs this before the tests on a machine without CI's ../shared/corpus/ mirror. It
goes through `hosted_text("jaychou", ...)`, the app's own first-use path (load_corpus reads the
text through it), so the file is downloaded, SHA-1 checked, moved into place and read exactly as
the app would do it (RNNPLAY_CORPUS_DIR and RNNPLAY_JAYCHOU_URL included), and a copy already
there is verified instead of trusted; without importing torch, which only the text's tensors
need (2 CPU-seconds a run: `make test` runs this each time).
"""

from __future__ import annotations

import sys

from engine.data.download import stderr_progress
from engine.data.errors import CorpusError
from engine.data.hosted import JAYCHOU_ZIP, corpus_dir_path, hosted_text


def main() -> int:
    """Fetch or verify the jaychou zip; one line on stdout or stderr, exit status 0, or 2 for a
    corpus that cannot be had, as `rnnplay train` says it (one status for one message)."""
    path = corpus_dir_path() / JAYCHOU_ZIP
    try:
        hosted_text("jaychou", None, stderr_progress(f"downloading {JAYCHOU_ZIP}"))
    except CorpusError as exc:
        # The message may span lines for the app's pane; a build log wants one line per error.
        print("rnnplay: " + " ".join(str(exc).splitlines()), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # download_file has already removed its partial file, so a rerun starts clean.
        print(f"\nrnnplay: interrupted before {path} was in place", file=sys.stderr)
        return 130
    print(f"rnnplay: {path} is the book's {JAYCHOU_ZIP} (SHA-1 verified)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
