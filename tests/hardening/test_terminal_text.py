"""terminal_text on its own: every steering character is escaped, JSON written through the stream decodes to the
same values, and the shortening says how much was left out."""

import io
import json

from carbon_gui.terminal_text import EscapingStream, printable
from tests.hardening.test_cli_terminal_text import STEERING

STEERING_CHARACTERS = "".join(chr(c) for c in range(0x2070) if STEERING.fullmatch(chr(c)))


def test_every_steering_character_is_escaped_and_newlines_kept_unless_one_line() -> None:
    text = f"a\n{STEERING_CHARACTERS}\tb"
    assert STEERING.search(printable(text, None)) is None
    assert printable(text, None).startswith("a\n") and "\\u001b" in printable(text, None)
    one_line = printable(text, None, one_line=True)
    assert "\n" not in one_line and "\t" not in one_line and one_line.startswith("a\\u000a")


def test_json_through_the_stream_is_valid_and_decodes_to_the_same_values() -> None:
    values = {"name": f"x{STEERING_CHARACTERS}é ×", "n": [1, -0.5]}
    for ensure_ascii in (True, False):
        target = io.StringIO()
        json.dump(values, EscapingStream(target), indent=2, ensure_ascii=ensure_ascii)  # type: ignore[arg-type]
        assert STEERING.search(target.getvalue()) is None
        assert json.loads(target.getvalue()) == values


def test_long_text_is_cut_with_what_was_left_out() -> None:
    assert printable("x" * 2500, 2000) == "x" * 2000 + "… (500 more characters)"
    assert printable("short", 2000) == "short"
