"""The stream engine: readings in; the view, the events and the switches to make out.

Sans-I/O: a driver reads OBS (the laptop over obs-websocket, the guard through obspython),
hands each reading to :meth:`Engine.read` with the time, shows the :class:`View`, writes the
events to the record and performs the :class:`~.auto_brb.Decision` it gets back, reporting
the outcome with :meth:`Engine.confirmed` / :meth:`Engine.failed`. The engine never sleeps,
never sends and keeps no thread; the driver serialises calls into it.

The laptop and the guard run the same engine. When the guard is on inside OBS, the laptop's
auto-BRB stands down (it still watches and shows), so the two never fight over BRB: the guard
is the one that keeps working when the laptop's link is gone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from ..printable import shown
from .auto_brb import AutoBrb, Decision
from .config import AutoBrbConfig, HealthConfig
from .health import OFFLINE, STALE, STALE_AFTER, Health, HealthMonitor, shown_state
from .picture import PictureState, PictureWatch
from .record import event_line, sample_line
from .sample import Drops, Sample
from .scene_tracker import AUTO, GUARD, HAND, SceneChange, SceneTracker

SHOW_EVERY = 0.95  # what people see moves once a second (a little under, for timer jitter)


@dataclass(frozen=True)
class GuardMark:
    """What the guard inside OBS publishes: whether it is on, and a counter of its switches
    with the scene of the last one (so the laptop can say "switched by the guard")."""

    on: bool
    switches: int = 0
    scene: str | None = None


@dataclass(frozen=True)
class Reading:
    """One reading of OBS. Fields left None were not read this time (they are read less
    often than the stream figures) and keep their last known value."""

    sample: Sample
    scene: str | None = None
    scenes: tuple[str, ...] | None = None
    mic_muted: bool | None = None
    picture: str | None = None  # picture.HAS_PICTURE / NO_SIZE / FLAT
    guard: GuardMark | None = None


@dataclass(frozen=True)
class Event:
    """Something worth a line on screen and in the record (kinds: record.EVENT_KINDS)."""

    t: float  # seconds since the session began
    kind: str
    text: str  # printable: names in it went through printable.shown()
    data: dict[str, Any] = field(default_factory=dict)  # exact values for programs

    def line(self, wall: float) -> dict[str, Any]:
        return event_line(self.t, wall, self.kind, self.text, self.data)


@dataclass(frozen=True)
class View:
    """Everything a screen shows at one moment."""

    t: float  # seconds since the session began, of the reading shown
    wall: float  # Unix time of the reading
    age: float  # how old the reading was when this view was made
    connected: bool
    sample: Sample
    health: Health
    scene: str | None = None
    scenes: tuple[str, ...] = ()
    mic_muted: bool | None = None
    totals: Drops = field(default_factory=Drops)  # since the session began
    picture: PictureState | None = None
    guard_on: bool | None = None  # None: not known (an older script, or not asked yet)
    live_s: float = 0.0  # how long OBS has been streaming (outputDuration)

    @property
    def state(self) -> str:
        """The health to show: STALE when the reading is too old to stand for now."""
        return shown_state(self.health, self.connected, self.age)

    @property
    def stale(self) -> bool:
        return self.state == STALE

    def news_since(self, seen: View | None) -> bool:
        """Whether a person looking at ``seen`` must see this one now: readings come several
        times a second, but screens move once a second, and at once only when the verdict,
        the scene or the connection changed."""
        return (seen is None or self.state != seen.state or self.scene != seen.scene
                or self.connected != seen.connected)

    def due_after(self, seen: View | None) -> bool:
        """A second (SHOW_EVERY) has passed since ``seen``, or there is news."""
        return self.news_since(seen) or self.t + self.age - (seen.t + seen.age) >= SHOW_EVERY

    def record(self) -> dict[str, Any]:
        """The record's sample line for this view (also what ``watch --json`` prints)."""
        h = self.health
        return sample_line(
            t=self.t, wall=self.wall, age=self.age, health=self.state,
            connected=self.connected, active=self.sample.active,
            kbps=None if h.kbps is None else round(h.kbps, 1), drops=asdict(h.drops),
            totals=asdict(self.totals), congestion=round(self.sample.congestion, 4),
            cpu=round(self.sample.cpu, 2), fps=round(self.sample.fps, 2), scene=self.scene,
            mic_muted=self.mic_muted,
            picture=None if self.picture is None else
            ("lost" if self.picture.lost else self.picture.reading),
            guard=self.guard_on, reasons=list(h.reasons),
            rtt_ms=round(self.sample.rtt * 1000, 1), live_s=round(self.live_s, 1))


@dataclass(frozen=True)
class Outcome:
    """What one reading produced."""

    view: View
    events: tuple[Event, ...] = ()
    switch: Decision | None = None  # perform it, then call confirmed() or failed()


class Engine:
    """One watched OBS. ``role`` is who its BRB switches are: ``"auto"`` on the laptop,
    ``"guard"`` inside OBS."""

    def __init__(self, health: HealthConfig | None = None,
                 auto_brb: AutoBrbConfig | None = None, *, start: float,
                 role: str = AUTO, brb_scene: str = "BRB", zoom_scene: str = "Zoom",
                 show_scenes: tuple[str, ...] = ("Starting Soon", "Zoom", "BRB", "Ending"),
                 stale_after: float = STALE_AFTER) -> None:
        self.monitor = HealthMonitor(health or HealthConfig())
        self.brb = AutoBrb(auto_brb or AutoBrbConfig(), by=role, brb_scene=brb_scene,
                           zoom_scene=zoom_scene, show_scenes=show_scenes)
        self.role = role
        self.stale_after = stale_after
        self.tracker = SceneTracker()
        self.picture = PictureWatch()
        self.start = start
        self.totals = Drops()
        self.scenes: tuple[str, ...] = ()
        self.mic_muted: bool | None = None
        self.guard_on: bool | None = None
        self.last: View | None = None
        self._stale = False
        self._picture_lost = False
        self._standing_down = False

    # -- readings -----------------------------------------------------------------------
    def read(self, reading: Reading, now: float, wall: float) -> Outcome:
        """A reading taken at ``reading.sample.t`` has arrived at ``now``."""
        s = reading.sample
        events: list[Event] = []
        health = self.monitor.update(s)
        self.totals = self.totals + health.drops
        if reading.scenes is not None:
            self.scenes = reading.scenes
        if reading.mic_muted is not None or not s.connected:
            self.mic_muted = reading.mic_muted
        if reading.guard is not None:
            self._note_guard(s.t, reading.guard, events)
        if reading.scene is not None:
            self._add(events, self.tracker.observed(s.t, reading.scene))
        picture = None
        if reading.picture is not None and s.connected:
            picture = self.picture.update(s.t, reading.picture)
            if picture.lost != self._picture_lost:
                self._picture_lost = picture.lost
                events.append(Event(self._t(s.t), "picture",
                                    picture.text(s.t) if picture.lost
                                    else "Zoom: the picture is back", {"lost": picture.lost}))
        elif self.last is not None and s.connected:
            picture = self.last.picture
        age = max(0.0, now - s.t)
        view = View(t=self._t(s.t), wall=wall - age, age=age, connected=s.connected,
                    sample=s, health=health,
                    scene=self.tracker.scene if s.connected else None, scenes=self.scenes,
                    mic_muted=self.mic_muted if s.connected else None, totals=self.totals,
                    picture=picture, guard_on=self.guard_on,
                    live_s=(s.obs_s or 0.0) if s.active else 0.0)
        self.last = view
        events.extend(self._stale_events(view))
        switch = self._decide(view, events)
        return Outcome(view, tuple(events), switch)

    def view(self, now: float) -> View | None:
        """The newest view as of ``now`` (its age grows while no reading comes)."""
        if self.last is None:
            return None
        return replace(self.last, age=max(0.0, now - self.last.sample.t))

    def tick(self, now: float) -> tuple[View | None, tuple[Event, ...]]:
        """Call often (4 times a second) whether or not readings arrive: it is what turns the
        screen STALE when the link hangs."""
        view = self.view(now)
        if view is None:
            return None, ()
        return view, tuple(self._stale_events(view))

    def _stale_events(self, view: View) -> list[Event]:
        stale = view.stale
        if stale == self._stale:
            return []
        self._stale = stale
        t = view.t + view.age
        if stale:
            return [Event(t, "stale", f"no reading from OBS for {view.age:.1f} s: "
                                      f"the figures shown are STALE", {"age": round(view.age, 2)})]
        return [Event(t, "fresh", "readings from OBS arrive again")]

    # -- BRB ----------------------------------------------------------------------------
    def _decide(self, view: View, events: list[Event]) -> Decision | None:
        if self.role == AUTO and self.guard_on:
            if self.brb.config.enabled and not self._standing_down:
                self._standing_down = True
                events.append(Event(view.t, "auto", "auto-BRB stands down: the guard inside "
                                                    "OBS is on and switches BRB itself"))
            return None
        if self._standing_down:
            self._standing_down = False
            events.append(Event(view.t, "auto", "auto-BRB takes over: the guard inside OBS "
                                                "is off"))
        if not view.connected or view.age > self.stale_after:
            return None  # never act on a reading that does not stand for now
        if view.scene is None:
            return None
        return self.brb.decide(view.health, view.scene, view.picture)

    def _note_guard(self, t: float, mark: GuardMark, events: list[Event]) -> None:
        if mark.on != self.guard_on:
            events.append(Event(self._t(t), "guard",
                                "the guard inside OBS is on" if mark.on
                                else "the guard inside OBS is off", {"on": mark.on}))
            self.guard_on = mark.on
        self.tracker.guard_switched(mark.switches, mark.scene)

    # -- switches -----------------------------------------------------------------------
    @property
    def switch_pending(self) -> bool:
        """A switch was asked and no reading has shown it yet (read the scene soon)."""
        return self.tracker.pending

    def asked(self, now: float, scene: str, by: str = HAND) -> None:
        """A switch to ``scene`` is about to be sent (by hand, or a Decision being done)."""
        self.tracker.asked(now, scene, by)

    def confirmed(self, now: float, scene: str, decision: Decision | None = None
                  ) -> tuple[Event, ...]:
        """OBS accepted a switch to ``scene``; ``decision`` if it was the engine's own."""
        events: list[Event] = []
        self._add(events, self.tracker.confirmed(now, scene))
        if decision is not None:
            self.brb.switched(decision.from_scene, scene)
            if events:
                data = dict(events[-1].data)
                data["why"] = decision.why
                events[-1] = Event(events[-1].t, "scene",
                                   f"{events[-1].text} ({shown(decision.why)})", data)
        return tuple(events)

    def failed(self, now: float, scene: str, why: str,
               decision: Decision | None = None) -> tuple[Event, ...]:
        self.tracker.failed(scene)
        if decision is None:
            return ()
        self.brb.forget()
        return (Event(self._t(now), "error",
                      f"automatic switch to “{shown(scene)}” failed: {why}"),)

    def muted(self, now: float, muted: bool, by: str = HAND) -> Event:
        self.mic_muted = muted
        return Event(self._t(now), "mute", "microphone muted" if muted
                     else "microphone on", {"muted": muted, "by": by})

    # -- the link -----------------------------------------------------------------------
    def lost(self, now: float, text: str) -> Event:
        self.tracker.forget()
        return Event(self._t(now), "lost", text)

    def back(self, now: float, text: str) -> Event:
        return Event(self._t(now), "back", text)

    def note(self, now: float, kind: str, text: str) -> Event:
        return Event(self._t(now), kind, text)

    # -- helpers ------------------------------------------------------------------------
    def _t(self, t: float) -> float:
        return t - self.start

    def _add(self, events: list[Event], change: SceneChange | None) -> None:
        if change is None:
            return
        name = f"“{shown(change.scene or '—')}”"
        text = (f"on program: {name}" if change.previous is None
                else f"scene {name} ({change.text()})")
        events.append(Event(self._t(change.t), "scene", text,
                            {"scene": change.scene, "from": change.previous, "by": change.by}))


__all__ = ["AUTO", "GUARD", "HAND", "OFFLINE", "Engine", "Event", "GuardMark", "Outcome",
           "Reading", "View"]
