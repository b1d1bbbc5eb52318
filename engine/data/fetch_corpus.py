"""`python -m engine.data.fetch_corpus`: put the book's zip where the app and the tests look for it.

The Makefile runs this before the tests on a machine without CI's ../shared/corpus/ mirror. It
goes through `load_corpus("jaychou")`, the app's own first-use path, so the file is downloaded,
SHA-1 checked and moved into place exactly as the app would do it (RNNPLAY_CORPUS_DIR and
RNNPLAY_JAYCHOU_URL included), and a copy already there is verified instead of trusted.
"""

from __future__ import annotations

import sys

from engine.data.corpus import CorpusError, load_corpus
from engine.data.download import stderr_progress
from engine.data.hosted import JAYCHOU_ZIP, corpus_dir_path


def main() -> int:
    """Fetch or verify the jaychou zip; one line on stdout or stderr, exit status 0, or 2 for a
    corpus that cannot be had, as `rnnplay train` says it (one status for one message)."""
    path = corpus_dir_path() / JAYCHOU_ZIP
    try:
        load_corpus("jaychou", progress=stderr_progress(f"downloading {JAYCHOU_ZIP}"))
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
