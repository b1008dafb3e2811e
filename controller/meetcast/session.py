"""A watched stream: a connection to OBS that survives OBS restarts and network blips, a poller
that samples it four times a second, the health verdict, the auto-BRB switch and the session
record.

The one thing this must never be is the reason a stream dies: every OBS failure becomes a
"lost the connection" event and a reconnect with backoff, never an exception out of the
poller thread. obsws-python has no reconnect and its event thread dies silently
(shared/obs-facts.md), so scene changes are polled too, not subscribed to.

Threads: the poller runs in its own thread; the dashboard calls :meth:`Session.call` and
:meth:`Session.switch` from others. :class:`ObsLink` serialises requests on one socket, and the
link itself is swapped under a lock when reconnecting.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from meetcast_core.names import MIC_SOURCE, SCENE_BRB, SHOW_SCENES
from meetcast_core.printable import shown
from meetcast_core.scene_list import dock_order
from meetcast_core.stream.auto_brb import AutoBrb
from meetcast_core.stream.config import auto_brb_config, health_config
from meetcast_core.stream.health import Health, HealthMonitor
from meetcast_core.stream.sample import Drops, Sample

from .connection import Connection
from .obslink import AuthFailed, NotConnected, NotReady, ObsError, ObsLink

BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0)  # seconds between reconnect attempts, then stay at the last
AUTH_RETRIES = 3  # refused handshakes in a row before the password is taken as wrong
# Seconds between polls. A failing uplink first shows in OBS's figures 2-3 s after it fails
# (the socket's send buffer takes the data until it is full), so a once-a-second poll could
# add a whole second to the organiser's warning: bench/reaction.py compares the two.
POLL_INTERVAL = 0.25
# The scene list and the microphone are asked for at most this often: they change by hand, and
# each request also costs OBS's UI thread, which a scene switch needs at the same moment.
SLOW_POLL = 1.0
# What people see moves once a second (a little under, for the timers' jitter).
SHOW_EVERY = 0.95


@dataclass
class Snapshot:
    """Everything the dashboard shows after one poll."""

    t: float  # seconds since the session began
    wall: float  # time.time() of the poll
    connected: bool
    sample: Sample
    health: Health
    scene: str | None = None
    scenes: list[str] = field(default_factory=list)
    mic_muted: bool | None = None
    totals: Drops = field(default_factory=Drops)  # since the session began
    poll_ms: float = 0.0  # how long this poll's requests took
    live_s: float = 0.0  # how long OBS has been streaming (GetStreamStatus.outputDuration)

    def news_since(self, shown: Snapshot | None) -> bool:
        """Whether a person looking at ``shown`` must see this one now: the poller samples
        several times a second, but screens and lines move once a second (SHOW_EVERY), and at
        once only when the verdict, the scene or the connection changed."""
        return (shown is None or self.health.state != shown.health.state
                or self.scene != shown.scene or self.connected != shown.connected)

    def due_after(self, shown: Snapshot | None) -> bool:
        """A second (SHOW_EVERY) has passed since ``shown``, or there is news."""
        return self.news_since(shown) or self.t - shown.t >= SHOW_EVERY


@dataclass
class Event:
    """Something worth a line on screen and in the record."""

    t: float
    kind: str  # "lost" | "back" | "scene" | "auto" | "fatal" | "error"
    text: str
    data: dict[str, Any] = field(default_factory=dict)


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
            self._fh.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
            self._fh.flush()

    def close(self) -> None:
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None


def sample_record(s: Snapshot) -> dict[str, Any]:
    """The JSONL line for one sample (also what ``watch --json`` prints)."""
    hh = s.health
    return {
        "type": "sample", "t": round(s.t, 3), "wall": round(s.wall, 3),
        "connected": s.connected, "active": s.sample.active, "state": hh.state,
        "kbps": None if hh.kbps is None else round(hh.kbps, 1),
        "drops": asdict(hh.drops), "totals": asdict(s.totals),
        "congestion": round(s.sample.congestion, 4), "cpu": round(s.sample.cpu, 2),
        "fps": round(s.sample.fps, 2), "scene": s.scene, "mic_muted": s.mic_muted,
        "reasons": list(hh.reasons), "poll_ms": round(s.poll_ms, 2),
        "live_s": round(s.live_s, 1),
    }


class Session:
    """Open with :meth:`open` (raises a one-line ObsError when OBS is not there at all), then
    :meth:`start` the poller; listeners get every Snapshot and Event from the poller thread."""

    def __init__(self, conn: Connection, config: dict | None = None,
                 interval: float = POLL_INTERVAL,
                 record: Path | None = None,
                 connect: Callable[[Connection], ObsLink] = ObsLink) -> None:
        config = config or {}
        self.conn = conn
        self.interval = interval
        self.monitor = HealthMonitor(health_config(config))
        self.auto_brb = AutoBrb(auto_brb_config(config), brb_scene=SCENE_BRB,
                                   show_scenes=SHOW_SCENES)
        self.recorder = Recorder(record) if record else None
        self._connect = connect
        self._link: ObsLink | None = None
        self._link_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._t0 = time.monotonic()
        self._totals = Drops()
        self._scene: str | None = None
        self._scenes: list[str] = []
        self._pending: tuple[str, float] | None = None  # (scene we asked for, until when)
        self._mic_ok = True
        self._mic: bool | None = None  # the microphone's mute as last asked
        self._slow_at = float("-inf")  # when the scene and microphone were last asked
        self._attempt = 0
        self._auth_failures = 0
        self._next_attempt = 0.0
        self._lost_at: float | None = None
        self.fatal: str | None = None
        self.on_snapshot: list[Callable[[Snapshot], None]] = []
        self.on_event: list[Callable[[Event], None]] = []
        self.last: Snapshot | None = None

    # -- connection ---------------------------------------------------------------------
    def open(self) -> Session:
        self._link = self._connect(self.conn)
        if self.recorder:
            self.recorder.write({"type": "session", "t": 0.0, "wall": round(time.time(), 3),
                                 "obs": str(self.conn), "interval": self.interval})
        return self

    @property
    def connected(self) -> bool:
        return self._link is not None

    def elapsed(self) -> float:
        return time.monotonic() - self._t0

    def _drop_link(self, why: str) -> None:
        with self._link_lock:
            link, self._link = self._link, None
        if link is None:
            return
        link.close()
        self._lost_at = time.monotonic()
        self._attempt = 0
        self._next_attempt = self._lost_at + BACKOFF[0]
        self._emit("lost", f"lost OBS at {self.conn} ({why}); reconnecting…")

    def _reconnect(self) -> None:
        now = time.monotonic()
        if now < self._next_attempt:
            return
        try:
            link = self._connect(self.conn)
        except AuthFailed as exc:
            # A password that OBS now refuses will not start working by retrying. But an OBS
            # in the middle of shutting down or starting up can also drop the handshake,
            # which obsws-python reports the same way: believe it after a few in a row.
            self._auth_failures += 1
            if self._auth_failures >= AUTH_RETRIES:
                self.fatal = str(exc)
                self._emit("fatal", str(exc))
                self._stop.set()
                return
            self._attempt += 1
            self._next_attempt = now + BACKOFF[min(self._attempt, len(BACKOFF) - 1)]
            return
        except ObsError:
            self._auth_failures = 0
            self._attempt += 1
            delay = BACKOFF[min(self._attempt, len(BACKOFF) - 1)]
            self._next_attempt = now + delay
            return
        self._auth_failures = 0
        with self._link_lock:
            self._link = link
        away = now - (self._lost_at or now)
        self._mic_ok = True
        self._slow_at = float("-inf")  # ask for the scene and microphone at once
        self._emit("back", f"reconnected to OBS at {self.conn} after {away:.1f} s")

    def call(self, request: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        """One request on the session's link, from any thread. NotConnected while OBS is
        away (the poller is reconnecting); the link is dropped if the request finds it dead."""
        link = self._link
        if link is None:
            raise NotConnected(f"not connected to OBS at {self.conn} (reconnecting)")
        try:
            return link.call(request, data)
        except NotConnected as exc:
            self._drop_link(str(exc).split("(")[-1].rstrip(")"))
            raise

    # -- actions ------------------------------------------------------------------------
    def switch(self, scene: str, by: str = "hand") -> float:
        """Put ``scene`` on program and record who asked. Returns ``time.perf_counter()`` at
        the moment OBS confirmed (the bookkeeping after it does not delay the switch)."""
        previous = self._scene
        self.call("SetCurrentProgramScene", {"sceneName": scene})
        confirmed = time.perf_counter()
        # OBS may report the old scene until a transition ends: trust our switch for a moment.
        self._pending = (scene, time.monotonic() + 2.0)
        self._note_scene(scene, previous, by)
        return confirmed

    def set_mute(self, muted: bool) -> None:
        """Mute or unmute the microphone; the next sample shows it without waiting for the
        once-a-second ask."""
        self.call("SetInputMute", {"inputName": MIC_SOURCE, "inputMuted": muted})
        self._mic = muted

    def _note_scene(self, scene: str | None, previous: str | None, by: str) -> None:
        if scene == self._scene and by == "obs":
            return
        self._scene = scene
        if scene == previous:
            return
        how = {"hand": "switched here", "auto": "switched automatically",
               "obs": "switched in OBS"}.get(by, by)
        text = (f"on program: “{shown(scene)}”" if previous is None
                else f"scene “{shown(scene)}” ({how})")
        self._emit("scene", text, {"scene": scene, "from": previous, "by": by})

    # -- polling ------------------------------------------------------------------------
    def poll(self) -> Snapshot:
        """One sample: stream status, stats, scene; reconnects instead of raising."""
        if self._link is None and not self.fatal:
            self._reconnect()
        now = time.monotonic()
        t0 = time.perf_counter()
        sample = Sample.disconnected(now)
        mic: bool | None = None
        live_s = 0.0
        if self._link is not None:
            try:
                stream = self.call("GetStreamStatus")
                stats = self.call("GetStats")
                sample = Sample.from_obs(now, stream, stats)
                live_s = float(stream.get("outputDuration") or 0) / 1000
                if now - self._slow_at >= SLOW_POLL * 0.95 or self._pending:
                    self._slow_at = now
                    self._poll_scene_and_mic(now)
                mic = self._mic
            except (NotConnected, NotReady):
                # NotReady: connected, but OBS has been starting up, switching collection or
                # shutting down for longer than the link asks again; not an error to report,
                # and no figures to show.
                sample = Sample.disconnected(now)
            except ObsError as exc:
                self._emit("error", str(exc))
        poll_ms = (time.perf_counter() - t0) * 1000
        health = self.monitor.update(sample)
        self._totals = self._totals + health.drops
        snap = Snapshot(t=now - self._t0, wall=time.time(), connected=sample.connected,
                        sample=sample, health=health, scene=self._scene if sample.connected
                        else None, scenes=list(self._scenes), mic_muted=mic,
                        totals=self._totals, poll_ms=poll_ms, live_s=live_s)
        self.last = snap
        if self.recorder:
            self.recorder.write(sample_record(snap))
        for cb in self.on_snapshot:
            cb(snap)
        self._auto_brb(snap)
        return snap

    def _poll_scene_and_mic(self, now: float) -> None:
        """The program scene (noting a change made elsewhere) and the microphone's mute."""
        scene_list = self.call("GetSceneList")
        scene = scene_list.get("currentProgramSceneName")
        self._scenes = dock_order(scene_list)
        pending = self._pending
        if pending and (scene == pending[0] or now > pending[1]):
            self._pending = pending = None
        if scene != self._scene and pending is None:
            self._note_scene(scene, self._scene, "obs")
        self._mic = None
        if self._mic_ok:
            try:
                self._mic = bool(self.call("GetInputMute", {"inputName": MIC_SOURCE})
                                 .get("inputMuted"))
            except (NotConnected, NotReady):
                raise
            except ObsError:
                self._mic_ok = False  # no such input in this collection

    def _auto_brb(self, snap: Snapshot) -> None:
        decision = self.auto_brb.decide(snap.health, snap.scene)
        want = decision.scene if decision else None
        if not want or snap.scene is None:
            return
        try:
            self.switch(want, by="auto")
        except ObsError as exc:
            self.auto_brb.forget()
            self._emit("error", f"automatic switch to “{want}” failed: {exc}")
            return
        self.auto_brb.switched(snap.scene, want)
        why = "; ".join(snap.health.reasons) or "stream healthy again"
        self._emit("auto", f"switched to “{want}” automatically ({why})", {"scene": want})

    def _emit(self, kind: str, text: str, data: dict[str, Any] | None = None) -> None:
        ev = Event(self.elapsed(), kind, text, data or {})
        if self.recorder:
            rec = {"type": "scene" if kind == "scene" else "event", "t": round(ev.t, 3),
                   "wall": round(time.time(), 3), "kind": kind, "text": text, **ev.data}
            self.recorder.write(rec)
        for cb in self.on_event:
            with contextlib.suppress(Exception):  # a broken listener must not stop polling
                cb(ev)

    # -- the poller thread --------------------------------------------------------------
    def run(self, seconds: float = 0.0) -> None:
        """Poll every ``interval`` until :meth:`stop` (or ``seconds`` pass, if given)."""
        deadline = time.monotonic() + seconds if seconds else None
        next_tick = time.monotonic()
        while not self._stop.is_set():
            try:
                self.poll()
            except Exception as exc:  # never let the poller die silently
                self._emit("error", f"poll failed: {type(exc).__name__}: {exc}")
            next_tick += self.interval
            now = time.monotonic()
            if next_tick < now:  # fell behind (a slow reconnect): do not burst to catch up
                next_tick = now + self.interval
            if deadline is not None and next_tick > deadline:
                self._stop.wait(max(0.0, deadline - now))
                break
            self._stop.wait(next_tick - now)

    def start(self, seconds: float = 0.0) -> Session:
        self._thread = threading.Thread(target=self.run, args=(seconds,), name="meetcast-poll",
                                        daemon=True)
        self._thread.start()
        return self

    def request_stop(self) -> None:
        """Ask the poller to end after this poll (safe from any thread, even its own)."""
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()
        if self._thread and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
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
