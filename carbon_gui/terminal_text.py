"""Text from a server, a file or the user, made safe to show: no character that steers a terminal, bounded length.

A Vertex AI error message, a ledger row or a value typed on the command line may hold escape sequences
("\\x1b]0;title\\x07" retitles the terminal, "\\x1b[2J" clears it), C1 controls (which some terminals also obey),
bidirectional overrides (which make text read in another order than it is) or megabytes of text. `printable`
shows each such character as a visible escape (`\\u001b`, valid inside JSON strings too) and shortens long text.
`EscapingStream` applies the same escapes to everything the CLI writes, as a guard for texts no call site shortened.
"""

from typing import TextIO

DEFAULT_LIMIT = 2000  # characters: a long error message stays readable; a 5 MB one does not flood the terminal
ONE_LINE_LIMIT = 200  # a name, an id, a value in a one-line message

_BIDI_CONTROLS = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))  # embeddings, overrides and isolates
_CONTROLS = (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), *_BIDI_CONTROLS)  # C0, DEL, C1
_ESCAPES = {code: f"\\u{code:04x}" for code in _CONTROLS}
_KEEP_LINES = {code: escape for code, escape in _ESCAPES.items() if chr(code) not in "\n\t"}


def printable(text: str, limit: int | None = DEFAULT_LIMIT, *, one_line: bool = False) -> str:
    """`text` with every control, DEL, C1 and bidi-override character shown as `\\uXXXX`, and cut after `limit`
    characters with "… (N more characters)". Newlines and tabs are kept unless `one_line`."""
    if limit is not None and len(text) > limit:
        text = f"{text[:limit]}… ({len(text) - limit:,} more characters)"
    return text.translate(_ESCAPES if one_line else _KEEP_LINES)


class EscapingStream:
    """A text stream that writes to `target` with the controls escaped (newlines and tabs kept). JSON stays valid:
    json.dumps already escapes C0 controls, and `\\uXXXX` is its own escape for the others."""

    def __init__(self, target: TextIO) -> None:
        self._target = target

    def write(self, text: str) -> int:
        self._target.write(text.translate(_KEEP_LINES))
        return len(text)

    def __getattr__(self, name: str) -> object:  # flush, fileno, isatty, encoding...: the target's
        return getattr(self._target, name)
