"""meetcast's own thread for everything periodic, so that nothing of ours runs on OBS's graphics
thread (issue 17, measured with ``bench/script_cost.py``).

Why not ``obs.timer_add``. obspython's timers are run by libobs's tick: the scripting plugin
registers one tick callback (``python_tick``, obs-scripting-python.c) that OBS calls inside
``tick_sources`` on the graphics thread, under ``draw_callbacks_mutex``, once per frame. For each
timer that is due it takes Python's GIL (``lock_python``), runs the timer's Python and lets go.
So every 100 ms timer put the whole Python tick into a frame, and that frame waited for the GIL
whenever anyone else held it: OBS's UI thread inside any script callback (obspython keeps the GIL
for the whole C call, ``%nothread``), a volume-meter callback on an audio thread, or the GIL
handed back and forth at each ctypes call the tick made. With no timer and no ``script_tick``,
``python_tick`` takes two uncontended mutexes and no GIL: the graphics thread then pays for our
script exactly what it pays for an OBS without it.

Rules for jobs run here:

- Call libobs only through ctypes (``libobs_c``): ctypes lets go of the GIL for each call, so a
  job never keeps OBS's UI thread or an audio thread waiting, and OBS never keeps us holding the
  GIL while it waits for its own locks (the deadlock ``libobs_c`` explains).
- Never call OBS's frontend API here (UI thread only), nor obspython functions other than
  ``script_log`` (``obsutil.info``/``warn``). Such lines read ``[Unknown Script]`` in OBS's
  log when no script callback is running at that moment: OBS cannot tell whose thread this is.
- A feature's state shared with the UI thread is changed inside :func:`held`, which waits for
  the job in flight and keeps the next one out.

Jobs may be added and removed at any time (unlike ``timer_add``, which crashes OBS 29 outside
``script_load``: see ``meetcast_obsglue``). ``script_unload`` calls :func:`stop`, which joins the
thread: nothing of ours is left calling into libobs while OBS unloads scripts and shuts down.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

JOIN_TIMEOUT_S = 5.0  # script_unload never waits longer than this for a stuck job


@dataclass
class _Job:
    name: str
    period: float
    fn: Callable[[], None]
    due: float


_jobs: list[_Job] = []
_lock = threading.RLock()  # held while a job runs, and by held()
_wake = threading.Event()  # a job added or stop() asked: re-plan at once
_stopping = False
_thread: threading.Thread | None = None


def every(period_s: float, fn: Callable[[], None], name: str) -> None:
    """Run ``fn`` every ``period_s`` seconds on meetcast's thread, from now until
    :func:`cancel` or :func:`stop`. Adding a ``fn`` already there replaces it."""
    global _thread, _stopping
    with _lock:
        _jobs[:] = [j for j in _jobs if j.fn is not fn]
        _jobs.append(_Job(name, period_s, fn, time.monotonic() + period_s))
        _stopping = False
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_run, name="meetcast-worker", daemon=True)
            _thread.start()
    _wake.set()


def cancel(fn: Callable[[], None]) -> None:
    """``fn`` runs no more once this returns (a run in flight is waited for)."""
    with _lock:
        _jobs[:] = [j for j in _jobs if j.fn is not fn]


@contextmanager
def held() -> Iterator[None]:
    """No job runs inside (the one in flight is finished first). For the UI thread's changes to
    state a job reads; it is re-entrant, and a job may use it too."""
    with _lock:
        yield


def running() -> list[str]:
    """The names of the jobs planned (for the log and tests)."""
    with _lock:
        return [j.name for j in _jobs]


def stop() -> None:
    """script_unload: no more jobs, and the thread gone (joined) before OBS goes on."""
    global _thread, _stopping
    with _lock:
        _jobs.clear()
        _stopping = True
        thread, _thread = _thread, None
    _wake.set()
    if thread is not None and thread is not threading.current_thread():
        thread.join(JOIN_TIMEOUT_S)
        if thread.is_alive():
            _warn(f"worker: a job is still running after {JOIN_TIMEOUT_S:g} s at unload")


def _run() -> None:
    while True:
        with _lock:
            if _stopping:
                return
            now = time.monotonic()
            wait = min((j.due for j in _jobs), default=now + 3600.0) - now
        if wait > 0:
            _wake.wait(wait)  # outside the lock: the UI thread may add, cancel or hold
            _wake.clear()
            continue
        with _lock:
            now = time.monotonic()
            for job in [j for j in _jobs if j.due <= now]:
                if job not in _jobs:  # cancelled by a job run just before it
                    continue
                # The next run keeps the period's phase; after a stall it starts afresh
                # rather than running a burst of late ones.
                job.due = job.due + job.period if job.due + job.period > now \
                    else now + job.period
                try:
                    job.fn()
                except Exception as exc:  # a job's bug must not end the thread, nor OBS
                    _warn(f"worker: {job.name}: {exc!r}")


def _warn(message: str) -> None:
    """Into OBS's log (imported here: obspython exists only inside OBS; tests run without)."""
    from .obsutil import warn

    warn(message)
