"""The session record: one format, versioned, for the record file, ``watch --json`` and
``meetcast report`` alike.

One JSON object a line (JSONL), flushed as written, so a crash loses at most the line being
written. Every line carries ``"v"`` (the format's version) and ``"type"``:

- ``session``: the first line: ``obs`` (host:port, never a password), ``interval``;
- ``sample``: one reading: ``health`` (OK, LOW, OFFLINE or STALE), ``age``, ``kbps``, drops by
  cause for the interval and since the start, ``congestion``, ``cpu``, ``fps``, ``scene``,
  ``mic_muted``, ``picture``, ``reasons``, ``rtt_ms``, ``live_s``;
- ``event``: ``kind`` (see :data:`EVENT_KINDS`) and ``text``, plus the kind's own fields
  (``scene``/``from``/``by`` for a scene change, ``muted``/``by`` for mute).

``t`` is seconds since the session began; ``wall`` is the Unix time. Version 0 (before this
module: ``"type": "scene"`` lines and ``state`` for the health) is read and upgraded.

Version 2 (several OBS watched at once, ``--obs``): every line of a named OBS also carries
``obs_name`` (its ``[obs.<name>]``), so the lines of main and backup can share one stream
(``watch --obs all --json``) and still be told apart; nothing else differs. The one OBS of a
plain ``watch`` has no name, and its lines stay version 1, exactly as before: a reader of
version 1 reads them all, and reads a version 2 line whole but for the name.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

VERSION = 2  # the current format: what upgrade() makes of a line of any version
PLAIN = 1  # the lines of the single, unnamed OBS: version 1, nothing in them changed
SESSION, SAMPLE, EVENT = "session", "sample", "event"
EVENT_KINDS = (
    "scene",  # the program scene changed (scene, from, by)
    "mute",  # the microphone was muted or unmuted (muted, by)
    "lost",  # the link to OBS was lost
    "back",  # ...and is back
    "stale",  # readings stopped arriving in time (the screen says STALE)
    "fresh",  # ...and arrive again
    "picture",  # the Zoom capture lost its picture or got it back (lost)
    "guard",  # the guard inside OBS was seen on or off (on)
    "auto",  # auto-BRB's own notes (standing down for the guard, a failed switch)
    "error",  # a request failed; the session goes on
    "fatal",  # the session cannot go on (e.g. the password is refused)
)


def _r(x: float | None, nd: int) -> float | None:
    return None if x is None else round(x, nd)


def session_line(wall: float, obs: str, interval: float) -> dict[str, Any]:
    return {"v": PLAIN, "type": SESSION, "t": 0.0, "wall": round(wall, 3), "obs": obs,
            "interval": interval}


def event_line(t: float, wall: float, kind: str, text: str,
               data: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return {"v": PLAIN, "type": EVENT, "t": round(t, 3), "wall": round(wall, 3),
            "kind": kind, "text": text, **(data or {})}


def sample_line(**fields: Any) -> dict[str, Any]:
    """A sample line from the engine's view (engine.View.record() builds the fields)."""
    out: dict[str, Any] = {"v": PLAIN, "type": SAMPLE}
    for key in ("t", "wall", "age"):
        out[key] = _r(fields.pop(key), 3)
    out.update(fields)
    return out


def named(line: Mapping[str, Any], obs_name: str | None) -> dict[str, Any]:
    """``line`` as the line of the OBS ``obs_name`` (version 2); unchanged without a name."""
    if obs_name is None:
        return dict(line)
    return {**line, "v": VERSION, "obs_name": obs_name}


def dumps(line: Mapping[str, Any]) -> str:
    """Exact and compact: names are kept as OBS has them (the terminal is not involved)."""
    return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


def upgrade(obj: dict[str, Any]) -> dict[str, Any]:
    """A line of any version, as the current version."""
    if obj.get("v") == VERSION:
        return obj
    obj = dict(obj)
    if obj.get("v") == PLAIN:  # version 1 is version 2 without obs_name: the one OBS
        obj["v"] = VERSION
        return obj
    if obj.get("type") == "scene":  # version 0 wrote scene changes as their own type
        obj["type"], obj["kind"] = EVENT, "scene"
    if obj.get("type") == SAMPLE and "health" not in obj:
        obj["health"] = obj.pop("state", None)
        obj.setdefault("age", 0.0)
        if "poll_ms" in obj:
            obj["rtt_ms"] = obj.pop("poll_ms")
    obj["v"] = VERSION
    return obj


def read(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Every line that parses as a JSON object, upgraded; a torn last line (the laptop died
    mid-write) or a blank one is skipped rather than failing the whole record."""
    for raw in lines:
        raw = raw.strip()
        if not raw:
            continue
        try:
            obj = json.loads(raw)
        except ValueError:
            continue
        if isinstance(obj, dict):
            yield upgrade(obj)
