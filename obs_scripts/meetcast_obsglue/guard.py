"""Glue: the guard — the stream engine run inside OBS, so BRB still comes when the laptop is
gone (its home link is the weakest part of the whole set-up).

Opt-in (script setting ``guard_enabled``, off by default). Twice a second, on meetcast's own
thread (``worker``; nothing on OBS's graphics thread), it reads the stream output's counters
and the program scene through libobs (``obs_readings``), and, while the program is the Zoom
scene (or the BRB it chose instead of it), a 32x18 rendering of the Zoom capture. The engine
(``meetcast_core.stream``) decides, with the same rules as the laptop's auto-BRB: only from
meetcast's show scenes, never over a scene chosen by hand, back only to the scene it left.
Switches run on OBS's UI thread (``frontend_c.queue_ui``), where the frontend API belongs.

How it and the laptop's ``--auto-brb`` never fight: while the guard is on it holds a frontend
hotkey named ``names.GUARD_HOTKEY``; the laptop sees it in obs-websocket's GetHotkeyList and
its auto-BRB stands down (it still watches and shows). The guard counts its switches in the
BRB message's settings (``names.GUARD_MARKER_KEY``) so the laptop can say "by the guard".
"""

from __future__ import annotations

import json
import time
from collections import deque
from typing import Any

import obspython as obs

from meetcast_core import names
from meetcast_core.stream import picture as pic
from meetcast_core.stream.auto_brb import Decision
from meetcast_core.stream.config import AutoBrbConfig
from meetcast_core.stream.engine import Engine, Reading
from meetcast_core.stream.sample import Sample
from meetcast_core.stream.scene_tracker import GUARD

from . import frontend_c, libobs_c, obs_readings, state, worker
from .obsutil import info, warn

PERIOD_S = 0.5  # twice a second: "no picture for 2 s" then shows within 2.5 s, not 3



class _Guard:
    """One guard while it is on (made afresh each time it is turned on)."""

    def __init__(self) -> None:
        now = time.monotonic()
        self.engine = Engine(auto_brb=AutoBrbConfig(enabled=True), start=now, role=GUARD,
                             brb_scene=names.SCENE_BRB, zoom_scene=names.SCENE_ZOOM,
                             show_scenes=names.SHOW_SCENES)
        self.picture = obs_readings.Picture()
        self.done: deque[tuple[str, Decision, bool]] = deque()  # from UI tasks
        self.switches = _marker_count()

    def tick(self) -> None:
        now = time.monotonic()
        engine = self.engine
        while self.done:
            scene, decision, ok = self.done.popleft()
            events = (engine.confirmed(now, scene, decision) if ok else
                      engine.failed(now, scene, "no such scene", decision))
            for ev in events:
                info(f"guard: {ev.text}")
        c = obs_readings.stream_counters()
        # Bitrate over OBS's clock for the stream, as the laptop measures it: when this
        # machine stalls, OBS sends fewer frames a wall-clock second and fewer bytes with
        # them, which is not the uplink failing (a false BRB on a healthy link, seen in CI).
        sample = Sample(t=now, connected=True, active=c.active, reconnecting=c.reconnecting,
                        output_bytes=c.total_bytes, obs_s=c.duration_s,
                        net_skipped=c.net_dropped,
                        net_total=c.net_total, congestion=c.congestion,
                        encoder_skipped=c.encoder_skipped, encoder_total=c.encoder_total,
                        render_skipped=c.render_lagged, render_total=c.render_total)
        scene = obs_readings.program_scene()
        reading = None
        # Only look at the picture while it matters: Zoom on program, or our BRB for it.
        if scene == names.SCENE_ZOOM or engine.brb.left_scene == names.SCENE_ZOOM:
            w, h, span = self.picture.read(names.SOURCE_ZOOM_CAPTURE,
                                           hold_showing=scene != names.SCENE_ZOOM)
            if (w, h, span) != (0, 0, None):  # (0, 0, None): no Zoom capture at all
                reading = pic.classify(w, h, span)
        else:
            self.picture.let_go()
        out = engine.read(Reading(sample, scene=scene, picture=reading), now, time.time())
        for ev in out.events:
            info(f"guard: {ev.text}")
        if out.switch is not None:
            self._switch(out.switch, now)

    def _switch(self, decision: Decision, now: float) -> None:
        self.engine.asked(now, decision.scene, GUARD)
        self.switches += 1
        obs_readings.update_settings(names.SOURCE_BRB_MESSAGE, json.dumps(
            {names.GUARD_MARKER_KEY: {"switches": self.switches, "scene": decision.scene}}))
        info(f"guard: switching to “{decision.scene}” ({decision.why})")
        done = self.done

        def on_ui() -> None:
            src = obs.obs_get_source_by_name(decision.scene)
            if src is None:
                done.append((decision.scene, decision, False))
                return
            try:
                obs.obs_frontend_set_current_scene(src)
            finally:
                obs.obs_source_release(src)
            done.append((decision.scene, decision, True))

        if not frontend_c.queue_ui(on_ui):
            done.append((decision.scene, decision, False))

    def close(self) -> None:
        info(f"guard: {self.picture.cost()}")
        self.picture.close()


def _marker_count() -> int:
    """The switch counter already in the BRB message (from before a restart), so the laptop,
    which remembers the last count it saw, takes the next switch as the guard's."""
    src = libobs_c.source_by_name(names.SOURCE_BRB_MESSAGE)
    if not src:
        return 0
    try:
        mark = libobs_c.settings(src).get(names.GUARD_MARKER_KEY) or {}
        return int(mark.get("switches") or 0)
    except (TypeError, ValueError):
        return 0
    finally:
        libobs_c.release_source(src)


_guard: _Guard | None = None
_hotkey_id: int | None = None
# Kept alive for as long as the module: OBS holds the pointer while the hotkey is registered.
_hotkey_cb = obs_readings.HOTKEY_FUNC(lambda data, hid, key, pressed: None)


def _tick() -> None:
    if _guard is not None:
        _guard.tick()


def _set_on(on: bool) -> None:
    """Start or stop the guard (UI thread). The sign for the laptop goes with it."""
    global _guard, _hotkey_id
    lib = obs_readings.lib()
    if on and lib is None:
        warn("guard: libobs cannot be reached through ctypes; the guard stays off")
        on = False
    with worker.held():
        if on and _guard is None:
            _guard = _Guard()
            _hotkey_id = lib.obs_hotkey_register_frontend(
                names.GUARD_HOTKEY.encode(), b"meetcast guard is on (no action)",
                _hotkey_cb, None)
            worker.every(PERIOD_S, _tick, "guard")
            info("guard: on (BRB when the stream is LOW or Zoom has no picture, from "
                 "meetcast's show scenes only)")
        elif not on and _guard is not None:
            worker.cancel(_tick)
            _guard.close()
            _guard = None
            if _hotkey_id is not None and lib is not None:
                lib.obs_hotkey_unregister(_hotkey_id)
            _hotkey_id = None
            info("guard: off")


# -- hooks -----------------------------------------------------------------------------------
def defaults(settings: Any) -> None:
    obs.obs_data_set_default_bool(settings, names.GUARD_SETTING, False)


def properties(props: Any, settings: Any) -> None:
    p = obs.obs_properties_add_bool(props, names.GUARD_SETTING,
                                    "Guard the stream inside OBS (BRB when LOW or Zoom is black)")
    obs.obs_property_set_long_description(
        p, "Keeps working when the laptop is gone: switches from meetcast's show scenes to "
           "BRB while the stream is LOW or the Zoom capture has no picture for 2 s, and back "
           "when it is well again; never over a scene you picked by hand. While it is on, "
           "the laptop's --auto-brb leaves BRB to it.")


def update(settings: Any) -> None:
    if not state.collection_loaded:
        return  # collection_loaded() comes: the BRB message and the scenes exist then
    _set_on(bool(settings is not None and obs.obs_data_get_bool(settings,
                                                                names.GUARD_SETTING)))


def collection_loaded(settings: Any) -> None:
    update(settings)


def collection_cleanup() -> None:
    _set_on(False)  # its sources are going away; a new collection starts it afresh


def unload() -> None:
    _set_on(False)
