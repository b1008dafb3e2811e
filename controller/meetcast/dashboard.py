"""The live dashboard of ``meetcast watch`` (Textual): what the organiser looks at for three
hours. Calm by design: one colour for the state, numbers that only move once a second, every
problem in words, and nothing on screen that can end the stream without a second key.

The poller runs in its own thread (:class:`meetcast.session.Session`); the app pulls the
latest snapshot on a timer instead of being called from that thread, so a slow or dead OBS can
never block the UI, and the UI can never block the poller.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections import deque
from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, RichLog, Static

from meetcast_core.names import MIC_SOURCE
from meetcast_core.printable import shown
from meetcast_core.stream import health as hl
from meetcast_core.stream.engine import SHOW_EVERY, Event, View

from . import bitrate, levels, sparkline
from .obslink import ObsError
from .session import Session
from .settings import WatchSettings, hms, money

STATE_STYLE = {hl.OK: "bold black on green", hl.LOW: "bold black on yellow",
               hl.OFFLINE: "bold white on red", hl.STALE: "bold black on bright_white"}
HISTORY = 120  # bars in the sparkline: two minutes, one a second
SPARK_ROWS = 3  # rows of bars (eighths each: 24 steps from 0 to the top of the scale)


def fitted(text: Text) -> Text:
    """Never wrapped: a panel line too long for an 80-column terminal is cut with "…" rather
    than pushing the lines below it out of their box."""
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text


class Confirm(ModalScreen[bool]):
    """A yes/no question that needs a deliberate key: y confirms, anything else cancels."""

    BINDINGS: ClassVar = [Binding("y", "answer(True)", "yes"), Binding("n", "answer(False)", "no"),
                Binding("escape", "answer(False)", "cancel")]
    DEFAULT_CSS = """
    Confirm { align: center middle; }
    Confirm > Static { width: 60; border: heavy $warning; padding: 1 2; background: $panel; }
    """

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        yield Static(f"{self.question}\n\n[b]y[/b] yes    [b]n[/b] / Esc no")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class WatchApp(App[int]):
    """``meetcast watch``. Keys: 1-9 switch scene, m mute/unmute the mic, s start/stop (asks),
    q quit. Exits by itself after ``seconds`` if given."""

    CSS = """
    #top { height: 1; }
    #fleet { height: auto; }
    #spark { height: 4; margin: 0 1; }
    #middle { height: 10; }
    #stats { width: 1fr; padding: 0 1; }
    #scenes { width: 1fr; padding: 0 1; border-left: solid $primary; }
    #log { height: 1fr; border-top: solid $primary; }
    """
    BINDINGS: ClassVar = [
        # One footer entry for the nine keys: "1-9 switch scene", not "1 scene".
        *[Binding(str(n), f"switch({n})", "switch scene", show=n == 1, key_display="1-9")
          for n in range(1, 10)],
        Binding("m", "mute", "mute mic"),
        Binding("s", "start_stop", "start/stop"),
        Binding("q", "quit_watch", "quit"),
    ]

    def __init__(self, session: Session, settings: WatchSettings, seconds: float = 0.0,
                 others: Sequence[Session] = ()) -> None:
        super().__init__()
        self.session = session  # the OBS whose figures fill the screen
        # Several OBS (watch --obs all): a line with each one's health side by side, and the
        # keys go to every one of them (a scene switch reaches main and backup alike).
        self.sessions: list[Session] = [session, *others]
        self.settings = settings
        self.seconds = seconds
        self.kbps: deque[float | None] = deque(maxlen=HISTORY)
        self._spark_t = -SHOW_EVERY
        self.events: queue.SimpleQueue[Event] = queue.SimpleQueue()
        self.shown: View | None = None
        self._actions: queue.SimpleQueue | None = None
        self._top_key: tuple[int, float, str] = (-1, -1.0, "")
        self.switch_ms: list[float] = []  # key press → OBS confirmed the switch (benchmark)
        self.title = "meetcast watch"
        session.on_event.append(self._on_event)
        session.on_view.append(self._on_view)
        for other in others:
            other.on_event.append(self._on_event)

    # The poller thread only posts a message (thread-safe in Textual, never blocks); the UI
    # redraws when there is news, plus once a second for the clock: a calm screen, and little
    # CPU on the organiser's laptop.
    class News(Message):
        pass

    def _on_view(self, snap: View) -> None:
        if snap.news_since(self.shown):  # the rest waits for the once-a-second refresh
            self.post_message(self.News())

    def _on_event(self, ev: Event) -> None:
        self.events.put(ev)
        self.post_message(self.News())

    def on_watch_app_news(self, message: WatchApp.News) -> None:
        self.refresh_view()

    def compose(self) -> ComposeResult:
        yield Static(id="top")
        if len(self.sessions) > 1:
            yield Static(id="fleet")
        yield Static(id="spark")
        with Horizontal(id="middle"):
            yield Static(id="stats")
            yield Static(id="scenes")
        yield RichLog(id="log", wrap=True, markup=False)
        yield Footer()

    def on_mount(self) -> None:
        # A key's switch runs on the action thread; with Python's default 5 ms GIL switch
        # interval it can wait that long behind the UI thread before its request even leaves.
        # Three threads that mostly sleep lose nothing by handing over sooner.
        sys.setswitchinterval(0.0005)
        self.started = time.monotonic()
        for s in self.sessions:
            s.start()
        self.session.want_levels(True)  # shown while the dashboard is; --plain/--json do not
        self.set_interval(1.0, self.refresh_view)
        if self.seconds:
            self.set_timer(self.seconds, self.action_quit_watch)
        self.refresh_view()

    # -- view ---------------------------------------------------------------------------
    def refresh_view(self) -> None:
        while not self.events.empty():
            ev = self.events.get()
            self.query_one("#log", RichLog).write(
                Text(f"{hms(ev.t)}  {ev.text}",
                     style="red" if ev.kind in ("lost", "fatal", "error") else
                     "green" if ev.kind == "back" else ""))
            if ev.kind == "fatal":
                self.exit(1)
        snap = self.session.last
        if snap is None or (self.shown is not None and snap.t == self.shown.t
                            and snap.state == self.shown.state):
            self._top(snap)
            return
        self.shown = snap
        if snap.t - self._spark_t >= SHOW_EVERY:  # one bar per second, however often it polls
            self._spark_t = snap.t
            self.kbps.append(snap.health.kbps)
            self._spark()
        self._top(snap)
        self._stats(snap)
        self._scenes(snap)

    def _spark(self) -> None:
        """Bars from zero with their scale in words (meetcast.sparkline)."""
        spark = self.query_one("#spark", Static)
        width = max(10, spark.content_region.width or 78)
        rows = sparkline.bars(self.kbps, width, SPARK_ROWS)
        t = Text("\n".join(rows), style="cyan")
        t.append("\n" + sparkline.label(self.kbps, width), style="dim")
        spark.update(fitted(t))

    def _fleet(self) -> None:
        """Each OBS's health side by side, and which is on air (streaming)."""
        if len(self.sessions) < 2:
            return
        t = Text()
        for i, s in enumerate(self.sessions):
            v = s.last
            state = v.state if v else hl.OFFLINE
            if i:
                t.append("  │  ", style="dim")
            t.append(f"{shown(s.conn.name or str(s.conn))} ", style="bold")
            t.append(f" {state} ", style=STATE_STYLE[state])
            kbps = v.health.kbps if v and v.connected else None
            t.append(f" {'—' if kbps is None else f'{kbps:,.0f}'} kbps")
            if v is not None and v.connected and v.sample.active:
                t.append(" ON AIR", style="bold red")
        self.query_one("#fleet", Static).update(fitted(t))

    def _top(self, snap: View | None) -> None:
        self._fleet()
        elapsed = time.monotonic() - self.started
        key = (int(elapsed), snap.t if snap else -1.0, snap.state if snap else "")
        if self._top_key == key:
            return
        self._top_key = key
        state = snap.state if snap else hl.OFFLINE
        t = Text()
        t.append(f" {state} ", style=STATE_STYLE[state])
        conn = "" if snap and snap.connected else " reconnecting…"
        t.append(f"  OBS {self.session.conn}{conn}  watching {hms(elapsed)}")
        if snap and snap.sample.active:
            t.append(f"  live {hms(snap.live_s)}")
        s = self.settings
        if s.cost_per_hour:
            cost = elapsed / 3600 * s.cost_per_hour
            t.append(f"  cost {money(cost, s.currency)} "
                     f"({money(s.cost_per_hour, s.currency)}/h)")
        self.query_one("#top", Static).update(fitted(t))

    def _stats(self, snap: View) -> None:
        h, smp, tot = snap.health, snap.sample, snap.totals
        summ = bitrate.summary(list(self.kbps)[-60:])
        ema = bitrate.smooth(self.kbps)[-1] if self.kbps else float("nan")
        t = Text()
        now = "—" if h.kbps is None else f"{h.kbps:,.0f}"
        t.append("bitrate   ", style="dim")
        t.append(f"{now} kbps", style="bold")
        if ema == ema:  # not NaN; on a line of its own: 80 columns hold half of it beside
            t.append(f"\n          avg {ema:,.0f}")
            if summ["p5"] is not None:
                t.append(f" · worst 5% {summ['p5']:,.0f}")
        t.append("\ncongestion ", style="dim")
        t.append(f"{smp.congestion:.2f}", style="yellow" if smp.congestion >= 0.25 else "")
        t.append("\ndropped   ", style="dim")
        t.append(f"net {tot.network}", style="red" if h.drops.network else "")
        t.append(f" · encoder {tot.encoder}", style="red" if h.drops.encoder else "")
        t.append(f" · render {tot.render}", style="red" if h.drops.render else "")
        t.append("\nOBS       ", style="dim")
        # Figures only when measured: disconnected, OBS reported nothing (not "0.0%").
        t.append(f"CPU {smp.cpu:.1f}% · {smp.fps:.1f} fps" if snap.connected
                 else "— (not connected)")
        mic = {None: "?", True: "MUTED", False: "on"}[snap.mic_muted]
        t.append("\nmic       ", style="dim")
        t.append(mic, style="bold red" if snap.mic_muted else "")
        if self.session.levels:
            t.append("\naudio     ", style="dim")
            t.append(" · ".join(f"{key} {levels.shown(v)}"
                                for key, v in levels.peaks(self.session.levels).items()))
        if snap.picture is not None:
            t.append("\nZoom      ", style="dim")
            t.append(snap.picture.text(snap.t + snap.age).removeprefix("Zoom: "),
                     style="bold red" if snap.picture.lost else "")
        if snap.guard_on:
            t.append("\nguard     ", style="dim")
            t.append("on inside OBS (it switches BRB)")
        if snap.stale:
            t.append("\nSTALE     ", style="dim")
            t.append(f"figures {snap.age:.1f} s old (no reply)", style="bold")
        if h.reasons:
            t.append("\nwhy       ", style="dim")
            t.append("; ".join(h.reasons), style="yellow")
        self.query_one("#stats", Static).update(fitted(t))

    def _scenes(self, snap: View) -> None:
        t = Text("scenes (press the number)\n", style="dim")
        for i, name in enumerate(snap.scenes, 1):
            line = f"{i if i < 10 else ' '} {shown(name)}\n"
            t.append(line, style="bold reverse" if name == snap.scene else "")
        self.query_one("#scenes", Static).update(fitted(t))

    # -- actions ------------------------------------------------------------------------
    def _note(self, text: str, kind: str = "info") -> None:
        self.events.put(Event(self.session.elapsed(), kind, text))

    def _in_thread(self, fn, name: str) -> None:
        """Requests run off the UI thread (a dead OBS costs a timeout there, not a frozen UI),
        on one thread that is already running: a key's switch does not wait for a new thread,
        and actions reach OBS in the order they were pressed."""
        if self._actions is None:
            self._actions = queue.SimpleQueue()
            threading.Thread(target=self._action_loop, name="meetcast-actions",
                             daemon=True).start()
        self._actions.put((fn, name))

    def _action_loop(self) -> None:
        assert self._actions is not None
        while True:
            fn, name = self._actions.get()
            if fn is None:
                return
            try:
                fn()
            except ObsError as exc:
                self._note(f"{name}: {exc}", "error")
            except Exception as exc:  # a bug here must not end the session silently
                self._note(f"{name}: {type(exc).__name__}: {exc}", "error")

    def action_switch(self, n: int) -> None:
        snap = self.session.last
        if snap is None or n > len(snap.scenes):
            self._note(f"there is no scene number {n}")
            return
        scene = snap.scenes[n - 1]
        t0 = time.perf_counter()  # from the key, so the worker's start-up counts too

        def go() -> None:
            confirmed = self.session.switch(scene, by="hand")
            self.switch_ms.append((confirmed - t0) * 1000)
            for other in self.sessions[1:]:  # the same scene, by name, on every other OBS
                theirs = other.last
                if theirs is not None and scene in theirs.scenes:
                    other.switch(scene, by="hand")
                else:
                    self._note(f"{shown(other.conn.name or '')} has no scene “{shown(scene)}”")

        self._in_thread(go, f"switch to “{scene}”")

    def action_mute(self) -> None:
        snap = self.session.last
        muted = not bool(snap and snap.mic_muted)

        def go() -> None:
            for s in self.sessions:
                s.set_mute(muted)
            self._note(f"“{MIC_SOURCE}” {'muted' if muted else 'unmuted'}")

        self._in_thread(go, "mute")

    def action_start_stop(self) -> None:
        def on_air(s: Session) -> bool:
            v = s.last
            return bool(v and v.connected and v.sample.active)

        live = any(on_air(s) for s in self.sessions)  # stop what is live; else start all
        question = ("Stop the live stream? Everyone watching loses it." if live
                    else "Start streaming now?")

        def answered(yes: bool | None) -> None:
            if not yes:
                self._note("nothing changed")
                return
            request = "StopStream" if live else "StartStream"
            for s in [s for s in self.sessions if on_air(s) == live]:  # asked once
                self._in_thread(lambda s=s: (s.call(request), self._note(
                    f"{request} sent{' to ' + shown(s.conn.name) if s.conn.name else ''}")),
                    request)

        self.push_screen(Confirm(question), answered)

    def action_quit_watch(self) -> None:
        self.exit(1 if self.session.fatal else 0)

    def on_unmount(self) -> None:
        if self._actions is not None:
            self._actions.put((None, ""))
        for s in self.sessions:
            s.stop()
