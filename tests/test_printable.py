"""Names from OBS or files are shown as text: every control written out, JSON kept exact."""

from __future__ import annotations

import io
import json

from meetcast_core.printable import GuardedStream, shown


def test_controls_are_written_out_and_text_is_kept() -> None:
    assert shown("\x1b[31mRED\x1b[0m") == "\\x1b[31mRED\\x1b[0m"
    assert shown("a\nb\rc\td") == "a\\nb\\rc\\td"
    assert shown("\x1b]0;PWNED\x07") == "\\x1b]0;PWNED\\x07"
    assert shown("x\u202ey\x9bz\x7f") == "x\\u202ey\\x9bz\\x7f"
    assert shown("第3回 もくもく会 #meetup 👩‍💻") == "第3回 もくもく会 #meetup 👩‍💻"  # ZWJ kept
    assert shown(42) == "42"


def test_guarded_stream_lets_lines_through_and_keeps_json_exact() -> None:
    out = io.StringIO()
    g = GuardedStream(out)
    g.write("one\ttwo\n\x1b[2J\n")
    assert out.getvalue() == "one\ttwo\n\\u001b[2J\n"
    data = {"name": "x\x9b\u202e\x1by"}
    out = io.StringIO()
    GuardedStream(out).write(json.dumps(data, ensure_ascii=False) + "\n")
    assert "\x9b" not in out.getvalue() and "\u202e" not in out.getvalue()
    assert json.loads(out.getvalue()) == data
