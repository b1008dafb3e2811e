"""What a page is sent, and nothing else. Every message is built here from the engine's
:class:`~meetcast_core.stream.engine.View` and :class:`~meetcast_core.stream.engine.Event`,
whose fields are figures and names from OBS: there is no field a password or a stream key
could travel in (the connection is shown as host:port, as the record has it).

Kinds (``type``): ``hello`` (once, on connecting: OBS's address and the recent events),
``state`` (the view: at once on news, else once a second), ``event``, and ``done`` (the
answer to one of the page's requests, to that page only).
"""

from __future__ import annotations

from collections import deque
from typing import Any

from meetcast_core.stream.engine import SHOW_EVERY, Event, View
from meetcast_core.stream.record import dumps

from ..levels import peaks

CHART_SECONDS = 120  # the page's bitrate chart: two minutes, one point a second, like watch's
RECENT_EVENTS = 8  # events a page gets when it connects (the rest is in the record)


class Chart:
    """The bitrate chart's points, one a second however often OBS is read."""

    def __init__(self, seconds: int = CHART_SECONDS) -> None:
        self.points: deque[float | None] = deque(maxlen=seconds)
        self._t = float("-inf")

    def add(self, view: View) -> None:
        if view.t - self._t >= SHOW_EVERY:
            self._t = view.t
            kbps = view.health.kbps if view.connected else None
            self.points.append(None if kbps is None else round(kbps))


def state(view: View, chart: Chart, congestion_warn: float) -> str:
    """The view as the page reads it: the record's sample line (the same fields ``watch
    --json`` prints), the scene list, the chart and the Zoom picture in words."""
    now = view.t + view.age
    picture = (None if view.picture is None
               else {"lost": view.picture.lost,
                     "text": view.picture.text(now).removeprefix("Zoom: ")})
    return _dump({"type": "state", "view": view.record(), "scenes": list(view.scenes),
                  "chart": list(chart.points), "picture": picture,
                  "congestion_warn": congestion_warn})


def fleet_row(name: str, view: View | None) -> dict[str, Any]:
    """One OBS in the side-by-side strip (several OBS, ``web --obs all``): its health, its
    bitrate and whether it is on air (streaming)."""
    connected = view is not None and view.connected
    kbps = view.health.kbps if connected and view is not None else None
    return {"name": name, "health": view.state if view is not None else "OFFLINE",
            "connected": connected,
            "kbps": None if kbps is None else round(kbps),
            "on_air": bool(connected and view is not None and view.sample.active)}


def fleet(rows: list[dict[str, Any]]) -> str:
    return _dump({"type": "fleet", "obs": rows})


def levels(meters: dict[str, list[list[float]]]) -> str:
    """The two meters' peaks in dBFS (meetcast.levels)."""
    return _dump({"type": "levels", "inputs": peaks(meters)})


def event(ev: Event) -> dict[str, Any]:
    return {"type": "event", "t": round(ev.t, 1), "kind": ev.kind, "text": ev.text}


def hello(obs: str, events: list[dict[str, Any]]) -> str:
    return _dump({"type": "hello", "obs": obs, "events": events})


def done(request_id: Any, ok: bool, text: str, warnings: list[str] | None = None) -> str:
    rid = request_id if isinstance(request_id, int) else None
    return _dump({"type": "done", "id": rid, "ok": ok, "text": text,
                  "warnings": warnings or []})


def _dump(obj: dict[str, Any]) -> str:
    return dumps(obj)


def recent() -> deque[dict[str, Any]]:
    return deque(maxlen=RECENT_EVENTS)
