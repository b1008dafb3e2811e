"""Text from OBS or from a file, made safe to show: never a control sequence on a terminal.

Why: a scene, source or filter name comes from whoever can reach obs-websocket or supplied a
scene collection or YAML file. Printed raw, ``"\\x1b[2J"`` clears the organiser's screen, an
OSC sequence retitles the terminal, a newline forges a line of a listing, and a bidi override
(U+202E) reverses what follows. So every such string is shown with those characters written
out as visible escapes (``\\x1b``, ``\\n``, ``\\u202e``): the name stays recognisable and
nothing acts on the terminal. JSON output needs no help for C0 controls (the encoder escapes
them) but ``ensure_ascii=False`` lets DEL, C1 and bidi controls through, so the same guard on
the stream escapes those as JSON does (``\\u009b``): the decoded data stays exactly the same.
"""

from __future__ import annotations

import io
import re
from typing import TextIO

# C0 controls, DEL, C1 controls, and the bidi embeddings, overrides and isolates that reorder
# what a terminal shows. Joiners (U+200D, used by emoji) are harmless and kept.
_OTHERS = "\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_ANY = re.compile(f"[\x00-\x1f{_OTHERS}]")
_BUT_NEWLINE = re.compile(f"[\x00-\x08\x0b-\x1f{_OTHERS}]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(text: object) -> str:
    """``text`` for one line of a terminal, a log or a picture: every control written out."""
    return _ANY.sub(_escape, str(text))


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


class GuardedStream(io.TextIOBase):
    """A text stream that lets newlines and tabs through and writes every other control out.

    The last line of defence for everything a command prints (names are also passed through
    :func:`shown` where they are put into a line, since a newline in a name can only be told
    from a line end there). ``json_safe``: write controls as ``\\uXXXX``, which is what they
    mean inside a JSON string, so ``--json`` output decodes to exactly the same data.
    """

    def __init__(self, inner: TextIO, json_safe: bool = True) -> None:
        self._inner = inner
        self._sub = _json_escape if json_safe else _escape

    def write(self, text: str) -> int:
        self._inner.write(_BUT_NEWLINE.sub(self._sub, text))
        return len(text)

    def flush(self) -> None:
        self._inner.flush()

    def isatty(self) -> bool:
        return self._inner.isatty()

    def fileno(self) -> int:
        return self._inner.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._inner, "encoding", "utf-8")

    @property
    def inner(self) -> TextIO:
        return self._inner
