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

Threads. The ticks run on meetcast's own thread (``worker``), not as an obspython timer: a
timer runs inside OBS's graphics thread's frame and makes it wait for the GIL (``worker`` says
why; ``bench/script_cost.py`` measures it). Each tick reads the applied ``db`` and the
switches it needs with plain C calls; the filter's whole settings (JSON, parsed in Python) are
read once a second, or at once when the filter is a new one or the audio glue has just changed
filters. The meter calls back on the source's audio thread; the callback only appends a pair of
numbers to a deque. Everything touching OBS here goes through ``libobs_c`` (ctypes releases
the GIL; see there why that matters), and ``paused()`` detaches every meter while the audio
glue changes a source's filters through obspython, with no tick running meanwhile.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from meetcast_core import leveller as core
from meetcast_core import names

from . import libobs_c as c
from . import worker
from .obsutil import info, warn

TICK_S = 0.1  # the gain's own pace: the core moves it by at most its slew × this per tick
LOOK_S = 1.0  # the filter's full settings (the chain's leveller settings, its kind) are re-read
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
    looked: float = -1.0  # when the filter's full settings were last read (-1: never)
    gain_ptr: int = 0  # the filter seen then: another one (re-added) is looked at at once


_watched: tuple[str, ...] = ()
_drivers: dict[str, _Driver] = {}
# param -> (RMS, peak) dBFS per block. A deque: the audio thread appends while the tick takes
# from the left, each side one atomic step, so no block falls between the two.
_levels: dict[int, deque[tuple[float, float]]] = {}
_next_param = 1
_started = False
_paused = 0
_CHANNELS = range(c.MAX_AUDIO_CHANNELS)


def _on_levels(param: int | None, magnitude, peak, input_peak) -> None:
    """Audio thread: remember the block's RMS and peak (the loudest channel; unused: -inf)."""
    buf = _levels.get(param or 0)
    if buf is not None:
        buf.append((max([magnitude[i] for i in _CHANNELS]), max([peak[i] for i in _CHANNELS])))


def _take(buf: deque[tuple[float, float]]) -> list[tuple[float, float]]:
    """The blocks heard so far, removed from ``buf`` (the meter may be appending meanwhile)."""
    return [buf.popleft() for _ in range(len(buf))]


# Referenced for as long as the module lives: OBS holds a raw pointer to it while attached.
_CALLBACK = c.VOLMETER_UPDATED(_on_levels)


# -- what audio.py calls ---------------------------------------------------------------------
def start() -> None:
    """script_load: tick on meetcast's thread until unload (nothing is done while nothing is
    watched)."""
    global _started
    if c.lib() is None:
        warn("leveller: libobs cannot be reached through ctypes; Leveller gains stay put")
        return
    if not _started:
        worker.every(TICK_S, _tick, "leveller")
        _started = True


def watch(sources: Iterable[str]) -> None:
    """Drive the Leveller filters of these sources (and stop driving any others)."""
    global _watched
    with worker.held():  # no tick in flight: a dropped source's meter is gone on return
        _watched = tuple(sorted(set(sources)))
        for name in list(_drivers):
            if name not in _watched:
                _drop(name)


def release() -> None:
    """Destroy every meter and watch nothing (collection cleanup, chains off)."""
    watch(())


def stop() -> None:
    """script_unload: release everything, the tick included."""
    global _started
    worker.cancel(_tick)
    release()
    _started = False


@contextmanager
def paused() -> Iterator[None]:
    """No meter attached, and no tick, while obspython changes filters (see libobs_c: the
    deadlock). What the glue changed is read at the next tick, not a second later."""
    global _paused
    with worker.held():
        _paused += 1
        try:
            for d in _drivers.values():
                if d.attached and d.meter:
                    c.volmeter_detach(d.meter)
                    d.attached = False
                    _levels[d.param] = deque()
                d.looked = -1.0
            yield
        finally:
            _paused -= 1


def driving() -> list[str]:
    """The sources whose Leveller is being driven now (for the log and tests)."""
    return sorted(n for n, d in _drivers.items() if d.attached)


# -- the tick (meetcast's thread) ------------------------------------------------------------
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
            _drive_filter(name, source, gain)
        finally:
            c.release_source(gain)
    finally:
        c.release_source(source)


def _drive_filter(name: str, source: int, gain: int) -> None:
    now = time.monotonic()
    d = _drivers.get(name)
    if d is None or d.gain_ptr != gain or now - d.looked >= LOOK_S:
        settings = c.settings(gain)  # the whole settings as JSON: once a second
        params = settings.get(names.LEVELLER_SETTINGS_KEY)
        if c.source_id(gain) != GAIN_FILTER or not isinstance(params, dict):
            _drop(name)
            return
        applied = float(settings.get("db", 0.0))
        d = d or _start(name, params, applied)
        if d is None:
            return
        d.looked, d.gain_ptr = now, gain
        if params != d.params:  # the chain's leveller settings changed: take them now
            d.core.s, d.params = core.settings_from(params), params
    else:
        applied = c.get_double(gain, "db")  # every tick: someone may have set it
    if not d.attached:
        if not c.volmeter_attach(d.meter, source):
            return
        d.attached, d.last_tick = True, now
        _levels[d.param] = deque()
        return
    dt, d.last_tick = min(now - d.last_tick, 1.0), now
    levels = _take(_levels[d.param])
    if not c.enabled(gain):  # the user switched the Leveller off: leave it be
        return
    want = d.core.feed([rms for rms, _ in levels], dt, applied, c.fader_db(source),
                       c.muted(source), peaks_dbfs=[pk for _, pk in levels])
    if abs(want - applied) >= MIN_CHANGE_DB:
        c.set_double(gain, "db", round(want, 2))


def _start(name: str, params: dict, applied_db: float) -> _Driver | None:
    global _next_param
    meter = c.volmeter_create()
    if not meter:
        return None
    d = _Driver(source=name, param=_next_param, meter=meter, params=params,
                core=core.Leveller(core.settings_from(params), gain_db=applied_db))
    _next_param += 1
    _levels[d.param] = deque()
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
