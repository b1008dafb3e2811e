"""A watched stream on the laptop: the I/O driver of the stream engine.

Everything the stream *means* (health, STALE, who switched, auto-BRB, the record's lines) is
decided by :class:`meetcast_core.stream.engine.Engine`; this module only reads OBS, feeds the
engine, performs the switches it asks for and hands its views, events and lines to whoever
listens (the dashboard, ``watch --plain`` / ``--json``, the record file).

Why it is shaped for a bad link (issue 13: a home uplink at 1 Mbit/s, 150 ms RTT, loss):

- a poll is ONE round trip (obs-websocket's ``RequestBatch``), never several in a row;
- a reply that has not come back within :data:`POLL_TIMEOUT` is given up without dropping
  the connection (replies are matched to requests by id, so a late one is just discarded),
  and the screen shows STALE from the engine's clock, not from the next reply;
- the connection is only declared lost when OBS closes it, or when nothing at all has come
  back for :data:`LINK_DEAD_AFTER`; then reconnecting follows the engine's backoff, which
  never waits more than a second between attempts.

Threads: the poller reads OBS; the ticker wakes four times a second to age the view (STALE)
even while a request hangs; the dashboard's action thread calls :meth:`Session.switch` and
:meth:`Session.set_mute`. Every call into the engine holds one lock, so a switch by hand is
recorded once, as "hand", however the reading that shows it races the confirmation.
"""

from __future__ import annotations

import base64
import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from meetcast_core.names import (
    GUARD_HOTKEY,
    GUARD_MARKER_KEY,
    MIC_SOURCE,
    SCENE_BRB,
    SCENE_ZOOM,
    SHOW_SCENES,
    SOURCE_BRB_MESSAGE,
    SOURCE_ZOOM_CAPTURE,
)
from meetcast_core.printable import shown
from meetcast_core.scene_list import dock_order
from meetcast_core.stream import picture as pic
from meetcast_core.stream.auto_brb import Decision
from meetcast_core.stream.backoff import backoff
from meetcast_core.stream.config import auto_brb_config, health_config
from meetcast_core.stream.engine import Engine, Event, GuardMark, Reading, View
from meetcast_core.stream.record import dumps, named, session_line
from meetcast_core.stream.sample import Sample
from meetcast_core.stream.scene_tracker import AUTO, HAND

from .connection import Connection
from .obslink import AuthFailed, NotConnected, NotReady, ObsError, ObsLink, Slow
from .screenshot import bmp_luma_span

AUTH_RETRIES = 3  # refused handshakes in a row before the password is taken as wrong
# Seconds between polls. A failing uplink first shows in OBS's figures 2-3 s after it fails
# (the socket's send buffer takes the data until it is full), so a once-a-second poll could
# add a whole second to the organiser's warning: bench/reaction.py compares the two.
POLL_INTERVAL = 0.25
# The scene, the scene list, the microphone and the Zoom picture are asked for once a second,
# in the same batch as that poll's figures: they change by hand, and each costs OBS a little
# (the picture is a 32x18 rendering of the capture).
SLOW_POLL = 1.0
GUARD_POLL = 5.0  # the hotkey list (the guard's on/off sign) is long; it changes rarely
POLL_TIMEOUT = 1.2  # give a reading up after this long (STALE shows from 1.5 s)
LINK_DEAD_AFTER = 10.0  # nothing at all back for this long: reconnect
TICK = 0.25  # the ticker's period: STALE appears within STALE_AFTER + TICK
# obs-websocket's EventSubscription::InputVolumeMeters: every input's levels every 50 ms
# (about 50 kbit/s), so subscribed only while a screen shows them (want_levels).
INPUT_VOLUME_METERS = 1 << 16


class Recorder:
    """The session record: one JSON object per line, flushed as written, so a crash or a
    killed laptop loses at most the line being written."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fh: IO[str] | None = path.open("a", encoding="utf-8")
        self._lock = threading.Lock()

    def write(self, obj: dict[str, Any]) -> None:
        with self._lock:
            if self._fh is None:
                return
            self._fh.write(dumps(obj) + "\n")
            self._fh.flush()

    def close(self) -> None:
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None


def _reply(replies: list[dict[str, Any]], i: int | None) -> dict[str, Any] | None:
    """The responseData of request ``i`` of a batch, None if it failed or was not asked."""
    if i is None or i >= len(replies):
        return None
    r = replies[i]
    if not (r.get("requestStatus") or {}).get("result"):
        return None
    return r.get("responseData") or {}


class Session:
    """Open with :meth:`open` (raises a one-line ObsError when OBS is not there at all), then
    :meth:`start` the threads. Listeners: ``on_view`` (views for screens), ``on_event``
    (events), ``on_line`` (the record's lines, for ``--json``); called from the session's
    threads, so they must be quick and never raise."""

    def __init__(self, conn: Connection, config: dict | None = None,
                 interval: float = POLL_INTERVAL,
                 record: Path | None = None,
                 connect: Callable[[Connection], ObsLink] = ObsLink,
                 clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time) -> None:
        config = config or {}
        self.conn = conn
        self.interval = interval
        self._clock, self._wall = clock, wall
        self._t0 = clock()
        self.engine = Engine(health_config(config), auto_brb_config(config), start=self._t0,
                             role=AUTO, brb_scene=SCENE_BRB, zoom_scene=SCENE_ZOOM,
                             show_scenes=SHOW_SCENES)
        self.recorder = Recorder(record) if record else None
        self._connect = connect
        self._link: ObsLink | None = None
        self._link_lock = threading.Lock()
        self._lock = threading.RLock()  # every call into the engine
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._mic_ok = True
        self._picture_ok = True
        self._slow_at = float("-inf")  # when the once-a-second items were last asked
        self._guard_at = float("-inf")
        self._delays: Iterator[float] = backoff()
        self._auth_failures = 0
        self._next_attempt = 0.0
        self._lost_at: float | None = None
        self._heard_at = self._t0  # the last time anything came back from OBS
        self._stale_line_at = float("-inf")
        self.fatal: str | None = None
        self.header: dict[str, Any] | None = None  # the record's first line, once open
        self.on_view: list[Callable[[View], None]] = []
        self.on_event: list[Callable[[Event], None]] = []
        self.on_line: list[Callable[[dict[str, Any]], None]] = []
        # Audio levels: input name -> obs-websocket's inputLevelsMul (per channel: magnitude,
        # peak, input peak; 0..1), the newest InputVolumeMeters event, while wanted.
        self.levels: dict[str, list[list[float]]] = {}
        self._levels_wanted = 0
        self._levels_lock = threading.Lock()

    # -- connection ---------------------------------------------------------------------
    def open(self, required: bool = True) -> Session:
        """Connect and write the record's first line. ``required=False`` (one of several OBS):
        an OBS that is not there yet does not stop the others from being watched; it starts
        as lost, and the poller keeps trying it as after any loss. A refused password is
        always raised: retrying would not help."""
        try:
            self._link = self._connect(self.conn)
        except AuthFailed:
            raise
        except ObsError as exc:
            if required:
                raise
            self.header = named(session_line(self._wall(), str(self.conn), self.interval),
                                self.conn.name)
            self._line(self.header)
            now = self._clock()
            self._lost_at, self._next_attempt = now, now + next(self._delays)
            with self._lock:
                ev = self.engine.lost(now, f"{shown(exc)}; trying again…")
            self._emit(ev)
            return self
        self._heard_at = self._clock()
        self.header = named(session_line(self._wall(), str(self.conn), self.interval),
                            self.conn.name)
        self._line(self.header)
        return self

    @property
    def connected(self) -> bool:
        return self._link is not None

    @property
    def last(self) -> View | None:
        """The newest view, aged to now (STALE when no reading has come for a while)."""
        with self._lock:
            return self.engine.view(self._clock())

    def elapsed(self) -> float:
        return self._clock() - self._t0

    def _drop_link(self, why: str) -> None:
        with self._link_lock:
            link, self._link = self._link, None
        if link is None:
            return
        link.close()
        now = self._clock()
        self._lost_at = now
        self._delays = backoff()
        self._next_attempt = now + next(self._delays)
        with self._lock:
            ev = self.engine.lost(now, f"lost OBS at {self.conn} ({why}); reconnecting…")
        self._emit(ev)

    def _reconnect(self) -> None:
        now = self._clock()
        if now < self._next_attempt:
            return
        try:
            link = self._connect(self.conn)
        except AuthFailed as exc:
            # A password that OBS now refuses will not start working by retrying. But an OBS
            # in the middle of shutting down or starting up can also drop the handshake:
            # believe it after a few in a row.
            self._auth_failures += 1
            if self._auth_failures >= AUTH_RETRIES:
                self.fatal = str(exc)
                with self._lock:
                    ev = self.engine.note(now, "fatal", str(exc))
                self._emit(ev)
                self._stop.set()
                return
            self._next_attempt = self._clock() + next(self._delays)
            return
        except ObsError:
            self._auth_failures = 0
            self._next_attempt = self._clock() + next(self._delays)
            return
        self._auth_failures = 0
        with self._link_lock:
            self._link = link
        if self._levels_wanted:
            self._subscribe_levels(True)
        self._heard_at = now = self._clock()
        away = now - (self._lost_at or now)
        self._mic_ok = self._picture_ok = True
        self._slow_at = self._guard_at = float("-inf")  # ask for everything at once
        with self._lock:
            ev = self.engine.back(now, f"reconnected to OBS at {self.conn} after {away:.1f} s")
        self._emit(ev)

    def call(self, request: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        """One request on the session's link, from any thread. NotConnected while OBS is
        away (the poller is reconnecting); the link is dropped if the request finds it dead."""
        link = self._link
        if link is None:
            raise NotConnected(f"not connected to OBS at {self.conn} (reconnecting)")
        try:
            out = link.call(request, data)
        except NotConnected as exc:
            self._drop_link(str(exc).split("(")[-1].rstrip(")"))
            raise
        self._heard_at = self._clock()
        return out

    # -- actions ------------------------------------------------------------------------
    def switch(self, scene: str, by: str = HAND, decision: Decision | None = None) -> float:
        """Put ``scene`` on program and record who asked. Returns ``time.perf_counter()`` at
        the moment OBS confirmed (the bookkeeping after it does not delay the switch)."""
        with self._lock:
            self.engine.asked(self._clock(), scene, by)
        try:
            self.call("SetCurrentProgramScene", {"sceneName": scene})
        except ObsError as exc:
            with self._lock:
                events = self.engine.failed(self._clock(), scene, str(exc), decision)
            self._emit(*events)
            raise
        confirmed = time.perf_counter()
        with self._lock:
            events = self.engine.confirmed(self._clock(), scene, decision)
        self._emit(*events)
        return confirmed

    def set_mute(self, muted: bool, by: str = HAND) -> None:
        """Mute or unmute the microphone; recorded, and shown without waiting for the
        once-a-second ask."""
        self.call("SetInputMute", {"inputName": MIC_SOURCE, "inputMuted": muted})
        with self._lock:
            ev = self.engine.muted(self._clock(), muted, by)
        self._emit(ev)

    # -- audio levels -------------------------------------------------------------------
    def want_levels(self, on: bool) -> None:
        """A screen starts (``on``) or stops showing audio levels; the link is subscribed to
        InputVolumeMeters only while at least one does, and again after a reconnect."""
        with self._levels_lock:
            before = self._levels_wanted > 0
            self._levels_wanted = max(0, self._levels_wanted + (1 if on else -1))
            after = self._levels_wanted > 0
        if before != after:
            self._subscribe_levels(after)

    def _subscribe_levels(self, on: bool) -> None:
        link = self._link
        if not on:
            self.levels = {}
        subscribe = getattr(link, "subscribe", None)  # a link given to connect= may not
        if subscribe is None:
            return  # no link now (_reconnect subscribes), or one that cannot: no levels
        with contextlib.suppress(ObsError):  # a lost link is the poller's to notice
            subscribe(INPUT_VOLUME_METERS if on else 0, self._meters if on else None)

    def _meters(self, event: dict[str, Any]) -> None:
        if event.get("eventType") != "InputVolumeMeters" or not self._levels_wanted:
            return
        inputs = (event.get("eventData") or {}).get("inputs") or []
        self.levels = {str(i.get("inputName")): list(i.get("inputLevelsMul") or [])
                       for i in inputs}

    # -- polling ------------------------------------------------------------------------
    def _requests(self, now: float) -> tuple[list[tuple[str, dict | None]], dict[str, int]]:
        """This poll's batch and where each optional answer sits in it."""
        reqs: list[tuple[str, dict | None]] = [("GetStreamStatus", None), ("GetStats", None)]
        at: dict[str, int] = {}

        def add(key: str, request: str, data: dict | None = None) -> None:
            at[key] = len(reqs)
            reqs.append((request, data))

        if now - self._slow_at >= SLOW_POLL * 0.95 or self.engine.switch_pending:
            self._slow_at = now
            add("scenes", "GetSceneList")
            if self._mic_ok:
                add("mic", "GetInputMute", {"inputName": MIC_SOURCE})
            if self._picture_ok:
                w, h = pic.SAMPLE_SIZE
                add("picture", "GetSourceScreenshot",
                    {"sourceName": SOURCE_ZOOM_CAPTURE, "imageFormat": "bmp",
                     "imageWidth": w, "imageHeight": h})
            add("marker", "GetInputSettings", {"inputName": SOURCE_BRB_MESSAGE})
        if now - self._guard_at >= GUARD_POLL * 0.95:
            self._guard_at = now
            add("hotkeys", "GetHotkeyList")
        return reqs, at

    def poll(self) -> View | None:
        """One reading: one round trip; reconnects instead of raising."""
        if self._link is None and not self.fatal:
            self._reconnect()
        link = self._link
        asked = self._clock()
        if link is None:
            return self._read(Reading(Sample.disconnected(asked)))
        reqs, at = self._requests(asked)
        try:
            replies = link.batch(reqs, timeout=POLL_TIMEOUT)
        except Slow:
            # No answer in time: the ticker turns the screen STALE; the connection stays
            # (a late reply is discarded by id) unless nothing has come back for long.
            self._slow_at = min(self._slow_at, asked - SLOW_POLL)  # ask the rest next time
            if self._clock() - self._heard_at >= LINK_DEAD_AFTER:
                self._drop_link(f"no answer for {LINK_DEAD_AFTER:.0f} s")
            return None
        except NotReady:
            # Connected, but OBS is starting up, switching collection or shutting down: not
            # an error, and no figures. The link stays, and if it lasts the view turns STALE
            # (not OFFLINE: OBS is there, it just has nothing to say yet).
            self._heard_at = self._clock()
            return None
        except NotConnected as exc:
            self._drop_link(str(exc).split("(")[-1].rstrip(")"))
            return self._read(Reading(Sample.disconnected(asked)))
        except ObsError as exc:
            with self._lock:
                ev = self.engine.note(self._clock(), "error", str(exc))
            self._emit(ev)
            return None
        self._heard_at = got = self._clock()
        stream, stats = _reply(replies, 0), _reply(replies, 1)
        if stream is None or stats is None:
            return self._read(Reading(Sample.disconnected(asked)))
        return self._read(self._reading(Sample.from_obs(asked, stream, stats, got - asked),
                                        replies, at))

    def _reading(self, sample: Sample, replies: list[dict[str, Any]],
                 at: dict[str, int]) -> Reading:
        scene = scenes = mic = picture = mark = None
        scene_list = _reply(replies, at.get("scenes"))
        if scene_list is not None:
            scene = scene_list.get("currentProgramSceneName")
            scenes = tuple(dock_order(scene_list))
        if "mic" in at:
            got = _reply(replies, at["mic"])
            if got is None:
                self._mic_ok = False  # no such input in this collection
            else:
                mic = bool(got.get("inputMuted"))
        if "picture" in at:
            shot = _reply(replies, at["picture"])
            if shot is None:
                # No Zoom capture in this collection (or it cannot render): not asked again
                # until the next reconnect, and nothing shown.
                self._picture_ok = False
            else:
                picture = self._picture(shot)
        marker = _reply(replies, at.get("marker"))
        hotkeys = _reply(replies, at.get("hotkeys"))
        if hotkeys is not None or marker is not None:
            on = (GUARD_HOTKEY in (hotkeys.get("hotkeys") or []) if hotkeys is not None
                  else self.engine.guard_on)
            state = ((marker or {}).get("inputSettings") or {}).get(GUARD_MARKER_KEY) or {}
            if on is not None:
                mark = GuardMark(bool(on), int(state.get("switches") or 0),
                                 state.get("scene"))
        return Reading(sample, scene=scene, scenes=scenes, mic_muted=mic, picture=picture,
                       guard=mark)

    @staticmethod
    def _picture(shot: dict[str, Any]) -> str | None:
        """The reading of a 32x18 screenshot. obs-websocket renders a source with no size
        (window closed or minimised) as an empty image, so both faults read as FLAT here;
        the guard inside OBS can tell them apart."""
        data = str(shot.get("imageData") or "")
        try:
            span = bmp_luma_span(base64.b64decode(data.split(",", 1)[-1]))
        except ValueError:
            return None  # not a picture we can read: say nothing rather than guess
        return pic.classify(1, 1, span)

    def _read(self, reading: Reading) -> View:
        with self._lock:
            out = self.engine.read(reading, self._clock(), self._wall())
        self._line(out.view.record())
        self._emit(*out.events)
        self._show(out.view)
        if out.switch is not None:
            self._auto_switch(out.switch)
        return out.view

    def _auto_switch(self, decision: Decision) -> None:
        with contextlib.suppress(ObsError):  # failed() recorded why
            self.switch(decision.scene, by=AUTO, decision=decision)

    # -- out ----------------------------------------------------------------------------
    def _line(self, line: dict[str, Any]) -> None:
        if self.conn.name is not None:  # one of several OBS: its name on every line
            line = named(line, self.conn.name)
        if self.recorder:
            self.recorder.write(line)
        for cb in self.on_line:
            with contextlib.suppress(Exception):  # a broken listener must not stop polling
                cb(line)

    def _emit(self, *events: Event) -> None:
        for ev in events:
            self._line(ev.line(self._wall()))
            for cb in self.on_event:
                with contextlib.suppress(Exception):
                    cb(ev)

    def _show(self, view: View) -> None:
        for cb in self.on_view:
            with contextlib.suppress(Exception):
                cb(view)

    def tick(self) -> None:
        """Age the view: STALE events, and while STALE one sample line and one view a
        second, so every screen says it instead of showing the last OK."""
        now = self._clock()
        with self._lock:
            view, events = self.engine.tick(now)
        self._emit(*events)
        if view is None or not view.stale:
            return
        if now - self._stale_line_at >= SLOW_POLL * 0.95:
            self._stale_line_at = now
            self._line(view.record())
        self._show(view)

    # -- threads ------------------------------------------------------------------------
    def run(self, seconds: float = 0.0) -> None:
        """Poll every ``interval`` until :meth:`stop` (or ``seconds`` pass, if given)."""
        deadline = self._clock() + seconds if seconds else None
        next_poll = self._clock()
        while not self._stop.is_set():
            try:
                self.poll()
            except Exception as exc:  # never let the poller die silently
                with self._lock:
                    ev = self.engine.note(self._clock(), "error",
                                          f"poll failed: {type(exc).__name__}: {shown(exc)}")
                self._emit(ev)
            next_poll += self.interval
            now = self._clock()
            if next_poll < now:  # fell behind (a slow reply): do not burst to catch up
                next_poll = now + (0.0 if self._link is None else self.interval / 4)
            if deadline is not None and next_poll > deadline:
                self._stop.wait(max(0.0, deadline - now))
                break
            self._stop.wait(next_poll - now)
        self._stop.set()

    def _tick_loop(self) -> None:
        while not self._stop.wait(TICK):
            with contextlib.suppress(Exception):
                self.tick()

    def start(self, seconds: float = 0.0) -> Session:
        self._threads = [
            threading.Thread(target=self.run, args=(seconds,), name="meetcast-poll",
                             daemon=True),
            threading.Thread(target=self._tick_loop, name="meetcast-tick", daemon=True)]
        for th in self._threads:
            th.start()
        return self

    def run_here(self, seconds: float = 0.0) -> None:
        """Poll on the calling thread (the ticker still runs beside it)."""
        ticker = threading.Thread(target=self._tick_loop, name="meetcast-tick", daemon=True)
        self._threads = [ticker]
        ticker.start()
        self.run(seconds)

    def request_stop(self) -> None:
        """Ask the threads to end (safe from any thread, even their own)."""
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()
        for th in self._threads:
            if th is not threading.current_thread():
                th.join(timeout=10)
        with self._link_lock:
            link, self._link = self._link, None
        if link is not None:
            link.close()
        if self.recorder:
            self.recorder.close()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def __enter__(self) -> Session:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.stop()
