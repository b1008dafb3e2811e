"""The Leveller's driving off OBS's graphics thread (issue 17), without OBS.

``meetcast_obsglue.worker`` runs the Leveller's tick on a thread of meetcast's own instead of an
obspython timer (a timer runs inside the graphics thread's frame and makes it wait for the GIL).
These tests run the real glue module on that real thread against a stand-in for the libobs
calls it makes (``libobs_c``) and a stand-in ``obspython`` for its log lines: the gain it
writes moves in steps no larger than the core allows per tick, the tick keeps its pace, and
the UI thread's ``paused()`` and ``stop()`` really keep the thread out.
"""

from __future__ import annotations

import importlib
import itertools
import sys
import threading
import time
import types
from collections.abc import Iterator

import pytest

from meetcast_core import names
from meetcast_core.leveller import MAX_STEP_S, settings_from

# What the chain's Leveller carries (profiles/audio/voice.yaml's leveller: block would do as
# well; the defaults are what matters for the step size).
PARAMS: dict = {}
SOURCE = "Mic/Aux"


@pytest.fixture
def glue(monkeypatch: pytest.MonkeyPatch) -> Iterator[types.SimpleNamespace]:
    """audio_leveller and worker imported fresh over a fake libobs; the thread stopped after."""
    logged: list[str] = []
    fake_obs = types.SimpleNamespace(LOG_INFO=300, LOG_WARNING=200,
                                     script_log=lambda level, msg: logged.append(msg))
    monkeypatch.setitem(sys.modules, "obspython", fake_obs)
    package = importlib.import_module("meetcast_obsglue")
    for mod in ("audio_leveller", "worker", "obsutil", "libobs_c"):
        # Both places, or ``from . import worker`` would find the last test's module.
        monkeypatch.delitem(sys.modules, f"meetcast_obsglue.{mod}", raising=False)
        monkeypatch.delattr(package, mod, raising=False)
    c = importlib.import_module("meetcast_obsglue.libobs_c")
    lib = FakeLibobs()
    for name in ("source_by_name", "release_source", "filter_by_name", "source_id",
                 "settings", "get_double", "set_double", "fader_db", "muted", "enabled",
                 "volmeter_create", "volmeter_destroy", "volmeter_attach", "volmeter_detach",
                 "volmeter_add_callback"):
        monkeypatch.setattr(c, name, getattr(lib, name))
    monkeypatch.setattr(c, "lib", lambda: object())
    leveller = importlib.import_module("meetcast_obsglue.audio_leveller")
    worker = importlib.import_module("meetcast_obsglue.worker")
    lib.callback = leveller._on_levels
    yield types.SimpleNamespace(leveller=leveller, worker=worker, lib=lib, logged=logged)
    leveller.stop()
    worker.stop()


class FakeLibobs:
    """One source with one Leveller gain filter; a meter the test feeds by hand."""

    def __init__(self) -> None:
        self.db = 0.0
        self.writes: list[tuple[float, float]] = []  # (time, db written)
        self.attached = False
        self.callback = None
        self.param = 0
        self.threads: set[str] = set()
        self.looks = 0  # source look-ups: one per tick per watched source
        self.filter_present = True
        self.lock = threading.Lock()

    def source_by_name(self, name: str) -> int | None:
        self.threads.add(threading.current_thread().name)
        self.looks += 1
        return 1 if name == SOURCE else None

    def release_source(self, ptr: int) -> None:
        pass

    def filter_by_name(self, source: int, name: str) -> int | None:
        return 2 if self.filter_present and name == names.filter_name(names.LEVELLER_STEP) \
            else None

    def source_id(self, ptr: int) -> str:
        return "gain_filter"

    def settings(self, ptr: int) -> dict:
        return {"db": self.db, names.LEVELLER_SETTINGS_KEY: PARAMS}

    def get_double(self, ptr: int, key: str) -> float:
        return self.db

    def set_double(self, ptr: int, key: str, value: float) -> None:
        with self.lock:
            self.db = value
            self.writes.append((time.monotonic(), value))

    def fader_db(self, source: int) -> float:
        return 0.0

    def muted(self, source: int) -> bool:
        return False

    def enabled(self, ptr: int) -> bool:
        return True

    def volmeter_create(self) -> int:
        return 3

    def volmeter_destroy(self, meter: int) -> None:
        self.attached = False

    def volmeter_attach(self, meter: int, source: int) -> bool:
        self.attached = True
        return True

    def volmeter_detach(self, meter: int) -> None:
        self.attached = False

    def volmeter_add_callback(self, meter: int, callback: object, param: int) -> None:
        self.param = param

    def speak(self, dbfs: float, blocks: int) -> None:
        """What the meter reports for ``blocks`` blocks of a voice at ``dbfs`` (before the
        Leveller's gain, as the meter hears it after the whole chain)."""
        if not self.attached:
            return
        level = [dbfs + self.db] * 8
        for _ in range(blocks):
            self.callback(self.param, level, level, level)


def speak_for(lib: FakeLibobs, dbfs: float, seconds: float) -> None:
    """An audio thread: 1024-sample blocks at 48 kHz (about 47 a second), for ``seconds`` of
    phrases (0.4 s at ``dbfs``) and pauses (0.2 s of what noise suppression leaves)."""
    t0 = time.monotonic()
    while (now := time.monotonic()) < t0 + seconds:
        lib.speak(dbfs if (now - t0) % 0.6 < 0.4 else -100.0, 1)
        time.sleep(1024 / 48000)


def test_gain_moves_in_small_steps_off_the_calling_thread(glue) -> None:
    """A quiet speaker (-40 dBFS) is brought up, never faster than the core's slew over one
    late tick, by writes made on meetcast's thread, about ten times a second."""
    glue.leveller.start()
    glue.leveller.watch([SOURCE])
    speak_for(glue.lib, -40.0, 6.0)
    writes = list(glue.lib.writes)
    assert writes, glue.logged
    assert writes[-1][1] > 6.0, writes  # it is levelling: the gain has gone well up
    assert glue.lib.threads == {"meetcast-worker"}  # never the caller's (OBS's) thread
    slew = settings_from(PARAMS).far_slew_db_per_s
    steps = [abs(b - a) for (_, a), (_, b) in zip([(0.0, 0.0), *writes], writes, strict=False)]
    assert max(steps) <= slew * MAX_STEP_S + 0.01, steps  # rounding to 0.01 dB
    gaps = [t1 - t0 for (t0, _), (t1, _) in itertools.pairwise(writes)]
    assert sorted(gaps)[len(gaps) // 2] == pytest.approx(glue.leveller.TICK_S, abs=0.03), gaps
    assert any("leveller: driving" in line for line in glue.logged), glue.logged


def test_paused_keeps_every_tick_out(glue) -> None:
    """While the UI thread edits filters (``paused``), no tick runs and no meter is attached;
    afterwards the driving goes on."""
    glue.leveller.start()
    glue.leveller.watch([SOURCE])
    speak_for(glue.lib, -40.0, 1.0)
    assert glue.lib.writes
    with glue.leveller.paused():
        assert not glue.lib.attached
        n = glue.lib.looks
        time.sleep(0.5)
        assert glue.lib.looks == n  # not one tick
    speak_for(glue.lib, -40.0, 1.0)
    assert glue.lib.attached and glue.lib.looks >= n + 5


def test_removed_filter_releases_the_meter_and_stop_joins(glue) -> None:
    glue.leveller.start()
    glue.leveller.watch([SOURCE])
    speak_for(glue.lib, -40.0, 0.5)
    assert glue.leveller.driving() == [SOURCE]
    glue.lib.filter_present = False
    time.sleep(0.3)
    assert glue.leveller.driving() == [] and not glue.lib.attached
    assert any("stopped on" in line for line in glue.logged)
    glue.leveller.stop()
    glue.worker.stop()
    assert not any(t.name == "meetcast-worker" for t in threading.enumerate())


def test_worker_keeps_its_pace_and_a_failing_job_does_not_end_it(glue) -> None:
    w = glue.worker
    seen: list[float] = []
    w.every(0.05, lambda: seen.append(time.monotonic()), "pace")
    w.every(0.05, lambda: 1 / 0, "broken")
    time.sleep(1.0)
    w.stop()
    assert 10 <= len(seen) <= 21, len(seen)  # 20 on a quiet machine; this one is shared
    assert any("worker: broken: ZeroDivisionError" in line for line in glue.logged)

