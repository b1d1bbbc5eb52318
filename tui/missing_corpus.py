"""What the app says when the book's corpus is not downloaded yet (the core's hosted_missing
says where it goes): at launch, on the status line and in the setup form, and when F5 could not
fetch it. In the app's own words: the way out is the setup form's corpus field (F4), not the
command line's --corpus; paths and the address each stand on a line of their own, so they are
never broken mid-way by the text around them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MissingCorpus:
    status: str  # one short line, for the status line
    failed: str  # one short line for when F5's download failed: the status line and the log
    lines: tuple[str, ...]  # the whole of it, a line each, for the setup form and the log


def missing_corpus(corpus: str) -> MissingCorpus | None:
    """None unless `corpus` (the setup's corpus field) names a book corpus not downloaded."""
    # Here, not at the top: the corpus module loads torch, which the app's first frame
    # does not wait for.
    from engine.playground import hosted_missing

    name = corpus.strip()
    path = hosted_missing(name)
    if path is None:
        return None
    return MissingCorpus(
        status=f"no {name} corpus yet: F5 downloads it, or F4: corpus pysrc or a text file",
        failed=f"could not download the {name} corpus: F4, set corpus to pysrc or a text file",
        lines=(
            f"the {name} corpus is not downloaded yet: F5 fetches it (online) into",
            f"  {path.parent}",
            f"offline: put the book's {path.name} there, or type pysrc (needs no download) or "
            "a text file's path in the setup form's corpus field (F4)",
        ),
    )
