"""Waiting for OBS to draw: a video source's new settings take effect at its next frame.

libobs defers ``obs_source_update`` of a video source to the next video tick
(``defer_update_count`` in libobs/obs-source.c), so right after ``SetInputSettings`` a text
source still has its old size and picture. ``GetStats.renderTotalFrames`` counts the frames
OBS has rendered: two more than before means a tick has run since, and the update with it.
"""

from __future__ import annotations

import time
from typing import Any

FRAMES = 2
POLL_S = 0.02


def rendered(link: Any) -> int:
    return int(link.call("GetStats").get("renderTotalFrames") or 0)


def wait_frames(link: Any, since: int, frames: int = FRAMES, timeout: float = 1.0) -> bool:
    """Wait until OBS has rendered ``frames`` more frames than ``since`` (a ``rendered()``
    count taken before the change); False if it did not within ``timeout`` seconds (OBS
    stalled: what it reports may still be the old state)."""
    deadline = time.monotonic() + timeout
    while rendered(link) < since + frames:
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_S)
    return True
