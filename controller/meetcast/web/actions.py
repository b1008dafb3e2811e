"""What a page may ask the laptop to do, checked here before anything reaches OBS.

A page is a remote control in a stranger's hands as much as the organiser's (a phone left on
a table): every request is checked for shape and against what OBS has (a scene that is not
in the list is refused, not sent), the text of the lower third is bounded, and stopping the
stream needs ``confirmed`` (the page asks first). Each request runs on the caller's thread
and blocks until OBS has answered; the server runs them one at a time off its event loop, in
the order they came, as watch's action thread does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from meetcast_core.printable import shown
from meetcast_core.stream.scene_tracker import HAND

from ..commands.stream import wait_for
from ..obslink import ObsError
from ..session import Session

MAX_TEXT = 500  # characters of lower third; more would cover the talk anyway


class Refused(ValueError):
    """A request the page should not have sent (the page is told why; OBS is not asked)."""


@dataclass(frozen=True)
class Result:
    ok: bool
    text: str
    warnings: list[str] = field(default_factory=list)


def perform(session: Session, request: dict[str, Any]) -> Result:
    """Do one request from a page; never raises for OBS's or the page's faults."""
    try:
        return _perform(session, request)
    except Refused as exc:
        return Result(False, str(exc))
    except ObsError as exc:
        return Result(False, str(exc))


def perform_all(sessions: list[Session], request: dict[str, Any]) -> Result:
    """One request from a page on every OBS watched (``web --obs all``: a scene button, the
    mute, the lower third and start/stop reach main and backup alike, as ``--obs all`` does
    on the command line). One OBS: :func:`perform` itself, unchanged."""
    if len(sessions) == 1:
        return perform(sessions[0], request)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(sessions)) as pool:
        results = list(pool.map(lambda s: perform(s, request), sessions))
    text = "; ".join(f"{shown(s.conn.name or str(s.conn))}: {r.text}"
                     for s, r in zip(sessions, results, strict=True))
    warnings = [w for r in results for w in r.warnings]
    return Result(all(r.ok for r in results), text, list(dict.fromkeys(warnings)))


def _perform(session: Session, req: dict[str, Any]) -> Result:
    what = req.get("do")
    if what == "switch":
        scene = req.get("scene")
        view = session.last
        if not isinstance(scene, str) or view is None or scene not in view.scenes:
            raise Refused(f"no scene “{shown(str(scene))}” in OBS")
        session.switch(scene, by=HAND)
        return Result(True, f"“{shown(scene)}” on program")
    if what == "mute":
        muted = req.get("muted")
        if not isinstance(muted, bool):
            raise Refused("mute needs muted: true or false")
        session.set_mute(muted)
        return Result(True, "microphone muted" if muted else "microphone on")
    if what == "say":
        text = req.get("text")
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            raise Refused(f"the lower third takes a text of at most {MAX_TEXT} characters")
        from ..commands.say import put_lower_third  # the same steps and warnings as `say`

        held, warnings = put_lower_third(session, text)
        return Result(True, f"lower third: “{shown(held)}”" if held else "lower third cleared",
                      warnings)
    if what == "stream":
        start = req.get("start")
        if not isinstance(start, bool):
            raise Refused("stream needs start: true or false")
        if req.get("confirmed") is not True:
            raise Refused("starting or stopping the stream needs a confirmation")
        active = bool(session.call("GetStreamStatus").get("outputActive"))
        if active == start:
            return Result(True, "already streaming" if start else "not streaming")
        session.call("StartStream" if start else "StopStream")
        if not wait_for(session, start):
            return Result(False, f"OBS did not {'start' if start else 'stop'} streaming "
                                 f"within 10 s: check OBS's stream settings and log")
        return Result(True, "streaming: LIVE" if start else "stream stopped")
    raise Refused(f"unknown request {shown(str(what))!s}")
