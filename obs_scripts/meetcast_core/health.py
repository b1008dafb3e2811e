"""Stream health from obs-websocket samples: bitrate, drops by cause, OK / LOW / OFFLINE.

Pure and stdlib-only on purpose: the controller runs it on the laptop today, and the OBS script
may run the very same rules inside OBS later (OBS's Python has no numpy). Every input is a
plain :class:`Sample` built from ``GetStreamStatus`` + ``GetStats``; nothing here talks to OBS.

Why three drop counters: obs-websocket reports "skipped frames" in three places with three
different causes (shared/obs-facts.md). Frames dropped by the NETWORK (the uplink cannot keep
up) call for a lower bitrate or the BRB scene; frames skipped by the ENCODER or by RENDERING
mean the cloud desktop is overloaded, which BRB does not fix. They are never added together.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

OK = "OK"
LOW = "LOW"
OFFLINE = "OFFLINE"
STATES = (OK, LOW, OFFLINE)


class HealthConfigError(ValueError):
    """A bad ``[health]`` / ``[auto_brb]`` setting; one line naming key and allowed values."""


@dataclass(frozen=True)
class Sample:
    """One poll of OBS. Counters are OBS's running totals since the stream started."""

    t: float  # seconds on a monotonic clock (the poller's, not OBS's)
    connected: bool = True
    active: bool = False  # GetStreamStatus.outputActive
    reconnecting: bool = False  # GetStreamStatus.outputReconnecting
    output_bytes: int = 0  # GetStreamStatus.outputBytes
    net_skipped: int = 0  # GetStreamStatus.outputSkippedFrames: dropped by the network
    net_total: int = 0  # GetStreamStatus.outputTotalFrames
    congestion: float = 0.0  # GetStreamStatus.outputCongestion, 0..1
    encoder_skipped: int = 0  # GetStats.outputSkippedFrames: encoder lag
    encoder_total: int = 0  # GetStats.outputTotalFrames
    render_skipped: int = 0  # GetStats.renderSkippedFrames: render lag
    render_total: int = 0  # GetStats.renderTotalFrames
    cpu: float = 0.0  # GetStats.cpuUsage, percent of one core
    fps: float = 0.0  # GetStats.activeFps
    memory_mb: float = 0.0  # GetStats.memoryUsage

    @classmethod
    def from_obs(cls, t: float, stream: Mapping[str, Any], stats: Mapping[str, Any]) -> Sample:
        """Build a sample from the raw ``responseData`` of GetStreamStatus and GetStats."""

        def i(d: Mapping[str, Any], k: str) -> int:
            return int(d.get(k) or 0)

        def f(d: Mapping[str, Any], k: str) -> float:
            v = d.get(k)
            return float(v) if isinstance(v, (int, float)) and math.isfinite(v) else 0.0

        return cls(t=t, connected=True, active=bool(stream.get("outputActive")),
                   reconnecting=bool(stream.get("outputReconnecting")),
                   output_bytes=i(stream, "outputBytes"),
                   net_skipped=i(stream, "outputSkippedFrames"),
                   net_total=i(stream, "outputTotalFrames"),
                   congestion=f(stream, "outputCongestion"),
                   encoder_skipped=i(stats, "outputSkippedFrames"),
                   encoder_total=i(stats, "outputTotalFrames"),
                   render_skipped=i(stats, "renderSkippedFrames"),
                   render_total=i(stats, "renderTotalFrames"),
                   cpu=f(stats, "cpuUsage"), fps=f(stats, "activeFps"),
                   memory_mb=f(stats, "memoryUsage"))

    @classmethod
    def disconnected(cls, t: float) -> Sample:
        return cls(t=t, connected=False)


@dataclass(frozen=True)
class Drops:
    """Frames lost in one interval, by cause (never summed: the causes need different fixes)."""

    network: int = 0
    encoder: int = 0
    render: int = 0

    def __add__(self, other: Drops) -> Drops:
        return Drops(self.network + other.network, self.encoder + other.encoder,
                     self.render + other.render)

    def any(self) -> bool:
        return bool(self.network or self.encoder or self.render)


def _delta(prev: int, cur: int) -> int:
    """Counter increase; a counter that went down was reset (new stream, OBS restarted), so
    everything it counts now is new."""
    return cur - prev if cur >= prev else cur


def drops(prev: Sample | None, cur: Sample) -> Drops:
    """Frames dropped in the interval, per cause. Render lag counts whenever OBS runs; the
    network and encoder counters only while streaming."""
    if prev is None or not (cur.connected and prev.connected):
        return Drops()
    render = _delta(prev.render_skipped, cur.render_skipped)
    if not (cur.active and prev.active):
        return Drops(render=render)
    return Drops(network=_delta(prev.net_skipped, cur.net_skipped),
                 encoder=_delta(prev.encoder_skipped, cur.encoder_skipped), render=render)


# -- configuration ------------------------------------------------------------------------

@dataclass(frozen=True)
class HealthConfig:
    """Thresholds and debounce (config file ``[health]``; docs/controller.md)."""

    low_kbps: float = 0.0  # LOW below this many kbps; 0 = relative to the stream's own median
    low_fraction: float = 0.6  # ... LOW below this fraction of the recent healthy median
    # Bitrate is Δbytes over (about) this many seconds, however often OBS is polled: frames
    # leave in bursts (a keyframe is several times a P-frame), so a quarter-second rate would
    # swing far more than the stream does.
    rate_window: float = 1.0
    # LOW at or above this outputCongestion (0..1): OBS's own status icon leaves "good" above
    # 1/3 (frontend/widgets/OBSBasicStatusBar.cpp), i.e. a third of OBS's frame-drop
    # threshold (700 ms by default) is queued behind a socket that is not taking data.
    congestion: float = 0.34
    network_drops: int = 1  # LOW when at least this many frames were dropped by the network
    low_after: float = 1.5  # seconds a problem must last before LOW (debounce)
    # ...unless this many different problems show at once (bitrate down AND congestion up is
    # not a blip): LOW at once. 0 = always wait low_after.
    low_at_once: int = 2
    ok_after: float = 5.0  # seconds all must be well before LOW turns back to OK
    warmup: float = 4.0  # seconds after the stream starts when bitrate is not judged
    window: float = 30.0  # seconds of healthy bitrate the median is taken over


@dataclass(frozen=True)
class AutoBrbConfig:
    """The automatic BRB switch (config file ``[auto_brb]``); off unless enabled."""

    enabled: bool = False
    after: float = 0.0  # further seconds of LOW (after the LOW debounce) before switching
    back_after: float = 0.0  # further seconds of OK before switching back


_LIMITS: dict[str, tuple[float, float]] = {
    "low_kbps": (0, 1e6), "low_fraction": (0, 1), "rate_window": (0.1, 60), "congestion": (0, 1),
    "network_drops": (1, 1e6), "low_after": (0, 600), "low_at_once": (0, 3), "ok_after": (0, 600),
    "warmup": (0, 600), "window": (1, 3600), "after": (0, 3600), "back_after": (0, 3600),
}


def _from_table(cls: type, table: Any, section: str) -> Any:
    if table is None:
        return cls()
    if not isinstance(table, Mapping):
        raise HealthConfigError(f"[{section}] must be a table")
    known = {f.name: f for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known:
            raise HealthConfigError(f"[{section}] {key}: unknown key "
                                    f"(allowed: {', '.join(known)})")
        default = known[key].default
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise HealthConfigError(f"[{section}] {key}: must be true or false")
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            raise HealthConfigError(f"[{section}] {key}: must be a number, got {value!r}")
        else:
            lo, hi = _LIMITS[key]
            if not lo <= value <= hi:
                raise HealthConfigError(f"[{section}] {key}: must be {lo:g}..{hi:g}, "
                                        f"got {value!r}")
            value = type(default)(value)
        values[key] = value
    return cls(**values)


def health_config(config: Mapping[str, Any]) -> HealthConfig:
    """``[health]`` of the whole config dict, validated."""
    return _from_table(HealthConfig, config.get("health"), "health")


def auto_brb_config(config: Mapping[str, Any]) -> AutoBrbConfig:
    return _from_table(AutoBrbConfig, config.get("auto_brb"), "auto_brb")


# -- the health state machine -------------------------------------------------------------

@dataclass(frozen=True)
class Health:
    """What one sample means, for the dashboard, the record and the BRB policy."""

    t: float
    state: str
    kbps: float | None
    drops: Drops
    congestion: float
    reasons: tuple[str, ...] = ()  # why the stream looks unwell now (even before debounce)
    since: float = 0.0  # when the current state began
    reference_kbps: float | None = None  # the healthy median LOW is judged against


@dataclass
class HealthMonitor:
    """Feed samples in time order with :meth:`update`; OFFLINE is immediate, LOW and the way
    back to OK are debounced so one slow second does not flap the dashboard or the scene."""

    config: HealthConfig = field(default_factory=HealthConfig)
    state: str = OFFLINE
    since: float = 0.0
    _prev: Sample | None = None
    _stream_start: float | None = None
    _bad_since: float | None = None
    _good_since: float | None = None
    _healthy: deque = field(default_factory=deque)  # (t, kbps) while OK
    _sent: deque = field(default_factory=deque)  # (t, outputBytes) of this stream, newest last

    def reference(self) -> float | None:
        """Median kbps of the last ``window`` seconds spent OK (None until 3 are known)."""
        if len(self._healthy) < 3:
            return None
        return statistics.median(k for _, k in self._healthy)

    def _threshold(self) -> float | None:
        if self.config.low_kbps > 0:
            return self.config.low_kbps
        ref = self.reference()
        return None if ref is None else ref * self.config.low_fraction

    def problems(self, cur: Sample, rate: float | None, lost: Drops) -> tuple[str, ...]:
        """Reasons the interval looks bad (before debounce)."""
        c = self.config
        out = []
        warm = self._stream_start is not None and cur.t - self._stream_start >= c.warmup
        limit = self._threshold()
        if warm and rate is not None and limit is not None and rate < limit:
            out.append(f"bitrate {rate:.0f} < {limit:.0f} kbps")
        if cur.congestion >= c.congestion:
            out.append(f"congestion {cur.congestion:.2f}")
        if lost.network >= c.network_drops:
            out.append(f"{lost.network} frames dropped by the network")
        return tuple(out)

    def rate(self, cur: Sample) -> float | None:
        """kbps over the last ``rate_window`` seconds of this stream (the newest sample at
        least that old, 10 % early allowed for poll jitter; the oldest while the stream is
        younger). None until two samples of the stream are known."""
        sent = self._sent
        if not (cur.connected and cur.active) or cur.reconnecting:
            sent.clear()  # nothing flows; whatever comes next is measured from afresh
            return None
        if sent and cur.output_bytes < sent[-1][1]:
            sent.clear()  # counter reset: a new stream (or a new OBS) starts from here
        sent.append((cur.t, cur.output_bytes))
        horizon = cur.t - 0.9 * self.config.rate_window
        while len(sent) > 2 and sent[1][0] <= horizon:
            sent.popleft()
        if len(sent) < 2:
            return None
        t0, b0 = sent[0]
        return None if cur.t <= t0 else (cur.output_bytes - b0) * 8 / (cur.t - t0) / 1000

    def update(self, cur: Sample) -> Health:
        prev, self._prev = self._prev, cur
        rate = self.rate(cur)
        lost = drops(prev, cur)
        c = self.config
        if not (cur.connected and cur.active) or cur.reconnecting:
            self._stream_start = None
            self._bad_since = self._good_since = None
            self._healthy.clear()
            reason = ("not connected to OBS" if not cur.connected else
                      "OBS is reconnecting to the server" if cur.reconnecting else
                      "not streaming")
            self._set(OFFLINE, cur.t)
            return Health(cur.t, OFFLINE, rate, lost, cur.congestion, (reason,), self.since,
                          self.reference())
        if self._stream_start is None:
            self._stream_start = cur.t
        reasons = self.problems(cur, rate, lost)
        if self.state == OFFLINE:
            # Back from offline: start OK (nothing known yet) and judge from here on.
            self._set(OK, cur.t)
        if reasons:
            self._good_since = None
            if self._bad_since is None:
                # The bad interval began at the previous sample, not at this one.
                self._bad_since = prev.t if prev is not None and prev.active else cur.t
            agreed = c.low_at_once > 0 and len(reasons) >= c.low_at_once
            if self.state == OK and (cur.t - self._bad_since >= c.low_after or agreed):
                self._set(LOW, cur.t)
        else:
            self._bad_since = None
            if self._good_since is None:
                self._good_since = cur.t
            if self.state == LOW and cur.t - self._good_since >= c.ok_after:
                self._set(OK, cur.t)
        if self.state == OK and not reasons and rate is not None:
            self._healthy.append((cur.t, rate))
            while self._healthy and cur.t - self._healthy[0][0] > c.window:
                self._healthy.popleft()
        return Health(cur.t, self.state, rate, lost, cur.congestion, reasons, self.since,
                      self.reference())

    def _set(self, state: str, t: float) -> None:
        if state != self.state:
            self.state, self.since = state, t


# -- automatic BRB ------------------------------------------------------------------------

@dataclass
class AutoBrb:
    """Decides when to put the BRB scene up and when to take it down.

    Rules: only when enabled; only FROM one of meetcast's own show scenes (a scene the
    organiser made themselves is never left automatically); back only to the scene it left,
    and only if BRB is still on program; any scene change it did not make (a switch by hand)
    ends its say for the rest of that LOW spell. OFFLINE changes nothing: while OBS is not
    streaming there is no audience to hide the problem from.
    """

    config: AutoBrbConfig = field(default_factory=AutoBrbConfig)
    brb_scene: str = "BRB"
    show_scenes: tuple[str, ...] = ("Starting Soon", "Zoom", "BRB", "Ending")
    left_scene: str | None = None  # the scene it switched away from (it owns BRB now)
    _expect: str | None = None  # the scene its own last switch asked for
    _hands_off: bool = False  # set by a switch by hand during a LOW spell
    _last_scene: str | None = None

    def decide(self, health: Health, scene: str | None) -> str | None:
        """The scene to switch to now, or None. Call once per sample with the current
        program scene; call :meth:`switched` after performing the switch."""
        if scene is not None and scene != self._last_scene:
            if self._last_scene is not None and scene != self._expect:
                # Someone else changed the scene: hands off; forget what we owned.
                self.left_scene = None
                self._hands_off = health.state == LOW
            self._expect = None
            self._last_scene = scene
        if not self.config.enabled or scene is None or health.state == OFFLINE:
            return None
        t = health.t
        if health.state == LOW:
            if (self.left_scene is None and not self._hands_off and scene != self.brb_scene
                    and scene in self.show_scenes and t - health.since >= self.config.after):
                return self.brb_scene
            return None
        # OK
        self._hands_off = False
        if (self.left_scene is not None and scene == self.brb_scene
                and t - health.since >= self.config.back_after):
            return self.left_scene
        return None

    def switched(self, from_scene: str, to_scene: str) -> None:
        """Record a switch :meth:`decide` asked for and the caller performed."""
        self._expect = to_scene
        self.left_scene = from_scene if to_scene == self.brb_scene else None

    def forget(self) -> None:
        """The switch failed or was abandoned."""
        self._expect = None

