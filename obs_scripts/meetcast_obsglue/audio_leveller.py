"""The slow leveller inside OBS: meter each picked source, let the core decide, set the gain.

A chain's ``Leveller`` step is a plain OBS gain filter (``meetcast: Leveller``) whose settings
also carry the leveller's own settings (``meetcast_leveller``), put there by the chain like any
other setting. Ten times a second this module looks at each source it was asked to watch:
if that filter is there, it attaches an OBS volume meter to the source (levels after the
source's filters and fader, per block, per channel), hands the blocks heard since the last
tick to ``meetcast_core.leveller`` and writes the gain it returns into the filter's ``db`` —
only when it changed by 0.1 dB or more. No Leveller filter (removed, renamed, chain switched
off): the meter is destroyed. Whoever puts the filter there — the script's chain, the
controller, a benchmark over the websocket — it is driven the same way.

Threads: the meter calls back on the source's audio thread; the callback only appends a
number to a list. Everything touching OBS here goes through ``libobs_c`` (ctypes releases the
GIL; see there why that matters), and ``paused()`` detaches every meter while the audio glue
changes a source's filters through obspython.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import obspython as obs

from meetcast_core import leveller as core
from meetcast_core import names

from . import libobs_c as c
from .obsutil import info, warn

TICK_MS = 100
MIN_CHANGE_DB = 0.1  # smaller changes are not written (each write is an obs_source_update)
GAIN_FILTER = "gain_filter"
FILTER = names.filter_name(names.LEVELLER_STEP)


@dataclass
class _Driver:
    source: str
    param: int  # the meter callback's param: the key of this driver's level buffer
    meter: int | None = None
    attached: bool = False
    core: core.Leveller = field(default_factory=core.Leveller)
    params: dict = field(default_factory=dict)
    last_tick: float = 0.0


_watched: tuple[str, ...] = ()
_drivers: dict[str, _Driver] = {}
_levels: dict[int, list[tuple[float, float]]] = {}  # param -> (RMS, peak) dBFS per block
_next_param = 1
_timer_on = False
_paused = 0


def _on_levels(param: int | None, magnitude, peak, input_peak) -> None:
    """Audio thread: remember the block's RMS and peak (the loudest channel; unused: -inf)."""
    buf = _levels.get(param or 0)
    if buf is not None:
        buf.append((max(magnitude[i] for i in range(c.MAX_AUDIO_CHANNELS)),
                    max(peak[i] for i in range(c.MAX_AUDIO_CHANNELS))))


# Referenced for as long as the module lives: OBS holds a raw pointer to it while attached.
_CALLBACK = c.VOLMETER_UPDATED(_on_levels)


# -- what audio.py calls ---------------------------------------------------------------------
def start() -> None:
    """script_load: the timer runs until unload (it costs nothing while nothing is watched).

    Only here and in ``unload`` may ``timer_add``/``timer_remove`` be called: elsewhere OBS 29
    may have lost track of the running script and crash (see ``meetcast_obsglue``).
    """
    global _timer_on
    if c.lib() is None:
        warn("leveller: libobs cannot be reached through ctypes; Leveller gains stay put")
        return
    if not _timer_on:
        obs.timer_add(_tick, TICK_MS)
        _timer_on = True


def watch(sources: Iterable[str]) -> None:
    """Drive the Leveller filters of these sources (and stop driving any others)."""
    global _watched
    _watched = tuple(sorted(set(sources)))
    for name in list(_drivers):
        if name not in _watched:
            _drop(name)


def release() -> None:
    """Destroy every meter and watch nothing (collection cleanup, chains off)."""
    watch(())


def stop() -> None:
    """script_unload: release everything, timer included."""
    global _timer_on
    release()
    if _timer_on:
        obs.timer_remove(_tick)
        _timer_on = False


@contextmanager
def paused() -> Iterator[None]:
    """No meter attached while obspython changes filters (see libobs_c: the deadlock)."""
    global _paused
    _paused += 1
    try:
        for d in _drivers.values():
            if d.attached and d.meter:
                c.volmeter_detach(d.meter)
                d.attached = False
                _levels[d.param] = []
        yield
    finally:
        _paused -= 1


def driving() -> list[str]:
    """The sources whose Leveller is being driven now (for the log and tests)."""
    return sorted(n for n, d in _drivers.items() if d.attached)


# -- the timer -------------------------------------------------------------------------------
def _tick() -> None:
    if _paused:
        return
    for name in list(_drivers):
        if name not in _watched:
            _drop(name)
    for name in _watched:
        try:
            _drive(name)
        except Exception as exc:  # one source's trouble must not stop the others, nor OBS
            warn(f"leveller: {name}: {exc!r}")
            _drop(name)


def _drive(name: str) -> None:
    source = c.source_by_name(name)
    if not source:
        _drop(name)
        return
    try:
        gain = c.filter_by_name(source, FILTER)
        if not gain:
            _drop(name)
            return
        try:
            settings = c.settings(gain)
            params = settings.get(names.LEVELLER_SETTINGS_KEY)
            if c.source_id(gain) != GAIN_FILTER or not isinstance(params, dict):
                _drop(name)
                return
            applied = float(settings.get("db", 0.0))
            d = _drivers.get(name) or _start(name, params, applied)
            if d is None:
                return
            if params != d.params:  # the chain's leveller settings changed: take them now
                d.core.s, d.params = core.settings_from(params), params
            if not d.attached:
                if not c.volmeter_attach(d.meter, source):
                    return
                d.attached, d.last_tick = True, time.monotonic()
                _levels[d.param] = []
                return
            now = time.monotonic()
            dt, d.last_tick = min(now - d.last_tick, 1.0), now
            levels, _levels[d.param] = _levels[d.param], []
            if not c.enabled(gain):  # the user switched the Leveller off: leave it be
                return
            want = d.core.feed([rms for rms, _ in levels], dt, applied, c.fader_db(source),
                               c.muted(source), peaks_dbfs=[pk for _, pk in levels])
            if abs(want - applied) >= MIN_CHANGE_DB:
                c.set_double(gain, "db", round(want, 2))
        finally:
            c.release_source(gain)
    finally:
        c.release_source(source)


def _start(name: str, params: dict, applied_db: float) -> _Driver | None:
    global _next_param
    meter = c.volmeter_create()
    if not meter:
        return None
    d = _Driver(source=name, param=_next_param, meter=meter, params=params,
                core=core.Leveller(core.settings_from(params), gain_db=applied_db))
    _next_param += 1
    _levels[d.param] = []
    c.volmeter_add_callback(meter, _CALLBACK, d.param)
    _drivers[name] = d
    info(f"leveller: driving '{FILTER}' on {name} (gain now {applied_db:+.1f} dB)")
    return d


def _drop(name: str) -> None:
    d = _drivers.pop(name, None)
    if d is None:
        return
    if d.meter:
        c.volmeter_destroy(d.meter)  # detaches first: no callback runs after this returns
    _levels.pop(d.param, None)
    info(f"leveller: stopped on {name} (meter released)")
