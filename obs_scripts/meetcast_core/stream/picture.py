"""Whether the Zoom capture has a picture: the article's own failure, seen by meetcast.

When Zoom's window is closed or minimised the capture reports no size; when window capture
cannot read it (the classic "Zoom captures black") it reports a size but every pixel is the
same. Both reach the audience as a black screen. A tiny rendering of the source (32x18 is
plenty) tells the two apart from a real picture cheaply.

What is NOT a fault: a picture that does not change. A shared slide can sit still for minutes,
so frames are never compared with each other, only each frame with itself.
"""

from __future__ import annotations

from dataclasses import dataclass

LOST_AFTER = 2.0  # seconds without a picture before it counts as lost
BACK_AFTER = 2.0  # seconds with a picture again before it counts as back
# A frame whose luma spans at most this many levels (of 255) is one flat colour. A real
# meeting picture or slide at 32x18 spans far more: text, faces and window edges all add
# contrast; sensor noise alone in a "black" webcam tile is a few levels.
FLAT_SPAN = 6
SAMPLE_SIZE = (32, 18)  # the rendering the readers take, width x height

HAS_PICTURE = "picture"
NO_SIZE = "no size"  # window closed or minimised
FLAT = "flat"  # black, or one flat colour


def luma_span(rgba: bytes, width: int, height: int, stride: int | None = None) -> int:
    """Spread (max - min) of Rec. 601 luma over a small RGBA frame; stride in bytes."""
    stride = stride or width * 4
    lo, hi = 255, 0
    for y in range(height):
        row = rgba[y * stride:y * stride + width * 4]
        for x in range(0, len(row) - 3, 4):
            v = (299 * row[x] + 587 * row[x + 1] + 114 * row[x + 2]) // 1000
            lo = v if v < lo else lo
            hi = v if v > hi else hi
    return max(0, hi - lo)


def classify(width: int, height: int, span: int | None) -> str:
    """One reading: the source's size and its frame's luma span (None: not sampled)."""
    if width <= 0 or height <= 0:
        return NO_SIZE
    if span is not None and span <= FLAT_SPAN:
        return FLAT
    return HAS_PICTURE


@dataclass(frozen=True)
class PictureState:
    """What a screen shows: ``lost_since`` is set while the picture counts as lost."""

    reading: str  # the newest reading: HAS_PICTURE, NO_SIZE or FLAT
    lost: bool
    lost_since: float | None = None

    def text(self, now: float) -> str:
        if not self.lost or self.lost_since is None:
            return "Zoom: picture"
        secs = max(0, int(now - self.lost_since))
        why = "window closed or minimised" if self.reading == NO_SIZE else "black or flat"
        return f"Zoom: no picture {secs // 60}:{secs % 60:02d} ({why})"


@dataclass
class PictureWatch:
    """Debounces readings: lost after LOST_AFTER s without a picture, back after BACK_AFTER s
    with one. ``lost_since`` is when the picture went, not when it was declared lost.

    A change happened somewhere between the last reading before it and the first after it;
    the midpoint of the two is taken as its time (the unbiased guess), so that how often the
    capture is read does not add a whole period to "no picture for 2 s"."""

    lost_after: float = LOST_AFTER
    back_after: float = BACK_AFTER
    lost: bool = False
    _bad_since: float | None = None
    _good_since: float | None = None
    _reading: str = HAS_PICTURE
    _last_t: float | None = None

    def update(self, t: float, reading: str) -> PictureState:
        changed_at = t if self._last_t is None else (self._last_t + t) / 2
        self._last_t = t
        self._reading = reading
        if reading == HAS_PICTURE:
            if self._good_since is None:
                self._good_since = changed_at
            if self.lost and t - self._good_since >= self.back_after:
                self.lost = False
            if not self.lost:
                self._bad_since = None
        else:
            self._good_since = None
            if self._bad_since is None:
                self._bad_since = changed_at
            if not self.lost and t - self._bad_since >= self.lost_after:
                self.lost = True
        return self.state()

    def state(self) -> PictureState:
        return PictureState(self._reading, self.lost, self._bad_since if self.lost else None)
