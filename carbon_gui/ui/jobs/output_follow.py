"""Which lines of a local run's output are new: output() gives the last N lines, so a batch overlaps what the
pane already shows. Pure."""

from collections.abc import Sequence


def new_lines(shown_tail: Sequence[str], batch: Sequence[str]) -> list[str]:
    """The lines of `batch` after its longest prefix that ends what is already shown (`shown_tail`)."""
    longest = min(len(shown_tail), len(batch))
    for overlap in range(longest, 0, -1):
        if list(shown_tail[len(shown_tail) - overlap :]) == list(batch[:overlap]):
            return list(batch[overlap:])
    return list(batch)
