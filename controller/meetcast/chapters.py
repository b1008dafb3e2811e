"""YouTube chapters from a session record's scene changes: ``0:00 Starting Soon`` …, ready to
paste into the video's description.

Times are from the moment the stream went live, not from when ``watch`` started: the video
YouTube keeps begins there. The live start is taken from OBS's own clock (a sample's
``live_s`` is OBS's ``outputDuration``), so a watch started mid-stream still gets the times
right. YouTube's rules (its help page "Video chapters"): the first chapter at 0:00, at least
three chapters, each at least 10 seconds long. A scene on program for less than that (a BRB
flicker during a network blip) is folded into the chapter around it; a scene that follows
itself after that is one chapter. Fewer than three chapters are still printed, with a note.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

MIN_CHAPTER_S = 10.0  # YouTube ignores the chapter list when one is shorter
MIN_CHAPTERS = 3
RESTART_S = 5.0  # a live start that moved by more than this is another stream


@dataclass(frozen=True)
class Chapter:
    start: float  # seconds into the video
    title: str


def live_span(samples: Iterable[Mapping[str, Any]]) -> tuple[float, float] | None:
    """(start, end) of the first live stream in session seconds, from OBS's own clock;
    None when the record never saw the stream live.

    A stretch when ``watch`` lost OBS (a laptop's network blip) does not end it: the stream
    went on. The same stream is recognised by its start (``t - live_s``) staying put; a start
    that moves on by more than RESTART_S is a new stream, that is a new video."""
    start = end = None
    for s in samples:
        if not s.get("active"):
            continue
        t = float(s.get("t") or 0.0)
        began = t - float(s.get("live_s") or 0.0)
        if start is None:
            start = began
        elif abs(began - start) > RESTART_S:
            break
        end = t
    return None if start is None or end is None else (max(0.0, start), end)


def chapters(scenes: Iterable[Mapping[str, Any]], span: tuple[float, float],
             first_scene: str | None = None) -> list[Chapter]:
    """The chapters of the video that ran over ``span`` (session seconds).

    ``scenes`` are the record's scene events in order (``t``, ``scene``); ``first_scene`` is
    the scene on program when the stream started if no event says so (a watch started after
    the switch)."""
    start, end = span
    spells: list[tuple[float, str]] = []  # (video seconds, scene)
    current = first_scene
    for ev in scenes:
        t, scene = float(ev.get("t") or 0.0), ev.get("scene")
        if not scene:
            continue
        if t <= start:
            current = str(scene)
            continue
        if t >= end:
            break
        spells.append((t - start, str(scene)))
    if current is not None:
        spells.insert(0, (0.0, current))
    return [Chapter(t, scene) for t, scene in _fold(spells, end - start)]


def _fold(spells: list[tuple[float, str]], length: float) -> list[tuple[float, str]]:
    """Spells of at least MIN_CHAPTER_S, as few folds as possible: a flicker between two
    spells of one scene (Zoom, BRB for 7 s, Zoom) goes first, and the two become one; any
    other short spell's time goes to the spell before it (the first's to the one after)."""
    spells = _merged(spells)
    while len(spells) > 1:
        ends = [t for t, _ in spells[1:]] + [length]
        short = [i for i, ((t, _), e) in enumerate(zip(spells, ends, strict=True))
                 if e - t < MIN_CHAPTER_S]
        if not short:
            break
        flickers = [i for i in short
                    if 0 < i < len(spells) - 1 and spells[i - 1][1] == spells[i + 1][1]]
        i = flickers[0] if flickers else min(short, key=lambda k: ends[k] - spells[k][0])
        if i == 0:
            spells[1] = (spells[0][0], spells[1][1])
        del spells[i]
        spells = _merged(spells)
    if spells:
        spells[0] = (0.0, spells[0][1])  # the video's start is the first chapter's start
    return spells


def _merged(spells: list[tuple[float, str]]) -> list[tuple[float, str]]:
    out: list[tuple[float, str]] = []
    for t, scene in spells:
        if not out or out[-1][1] != scene:
            out.append((t, scene))
    return out


def timestamp(seconds: float) -> str:
    """YouTube's form: 0:00, 12:34, 1:02:03."""
    s = int(seconds)
    h, m, sec = s // 3600, s % 3600 // 60, s % 60
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"
