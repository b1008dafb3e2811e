"""Play several recordings one after another into one stream, with a hook between them.

``audio_run`` plays one WAV per stream. A listener bench needs more: each scene played on its
own (so something can be done between scenes — the benchmark gives the Leveller a fresh start
there, as a fresh OBS would), all in ONE stream (one OBS start per configuration and run, not
one per scene), and each scene found again in the decoded recording, near where the clock says
it was played.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from meetcast_core.names import DESKTOP_SOURCE, MIC_SOURCE

from . import audio_metrics as am
from .audio_run import SETTLE_S, play_wav, stream_while
from .lab import Lab
from .pulse import DESKTOP_SINK, MIC_SINK
from .signals import RATE, write_wav

SEARCH_S = 1.5  # each scene is looked for within this of where the clock puts it
GAP_S = 1.0  # silence after each scene, before the hook runs


@dataclass(frozen=True)
class Placed:
    """Where one played recording was found in the stream's decoded audio."""

    offset: int  # sample in the recording where the played samples begin
    played_at_s: float  # when paplay was started, seconds after the first one


def stream(lab: Lab, played: Sequence[np.ndarray], workdir: Path, desktop: bool = False,
           between: Callable[[int], None] | None = None) -> tuple[np.ndarray, list[float]]:
    """Stream while playing each of ``played`` in turn into the microphone (or the desktop
    audio), calling ``between(i)`` before recording ``i`` (from the second on); the decoded
    recording and when each was started (seconds after the first)."""
    sink, on, off = ((DESKTOP_SINK, DESKTOP_SOURCE, MIC_SOURCE) if desktop
                     else (MIC_SINK, MIC_SOURCE, DESKTOP_SOURCE))
    wavs = [write_wav(workdir / f"played-{i}.wav", x) for i, x in enumerate(played)]
    starts: list[float] = []

    def play() -> None:
        t0 = None
        for i, wav in enumerate(wavs):
            if i and between is not None:
                between(i)
            now = time.monotonic()
            t0 = now if t0 is None else t0
            starts.append(now - t0)
            play_wav(lab, wav, len(played[i]) / RATE, sink)
            time.sleep(GAP_S)

    return stream_while(lab, play, on, off), starts


def place(recorded: np.ndarray, references: Sequence[np.ndarray],
          starts: Sequence[float]) -> list[Placed]:
    """Find each reference (the clean speech of what was played) in the recording.

    The first is searched for in the recording's first seconds (stream start to first sample
    played is not known to the sample); each later one near the first's offset plus the clock
    time between the two plays, which absorbs paplay's start-up jitter.
    """
    out: list[Placed] = []
    first = None
    for ref, at in zip(references, starts, strict=True):
        if first is None:
            off = am.align(recorded, ref, 0, int((SETTLE_S + 6.0) * RATE))
            first = off
        else:
            guess = first + int(at * RATE)
            lo = max(0, guess - int(SEARCH_S * RATE))
            off = am.align(recorded, ref, lo, int(2 * SEARCH_S * RATE))
        out.append(Placed(offset=off, played_at_s=at))
    return out
