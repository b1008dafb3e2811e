"""OK / LOW / OFFLINE from a stream of samples, and STALE for a reading too old to trust.

OFFLINE is immediate; LOW and the way back to OK are debounced so one slow second does not
flap the dashboard or the scene. Bitrate is measured over OBS's own clock (see
:mod:`.sample`), never over when the readings arrived.

STALE is not a state of the stream but of what we know about it: the newest reading is older
than :data:`STALE_AFTER`. On a lossy link a poll can hang for seconds while the last verdict
still says OK; showing that OK would be a lie, and acting on it (auto-BRB) a mistake.
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass, field

from .config import HealthConfig
from .sample import Drops, Sample, drops

OK = "OK"
LOW = "LOW"
OFFLINE = "OFFLINE"
STALE = "STALE"
STATES = (OK, LOW, OFFLINE)  # what the monitor decides
STALE_AFTER = 1.5  # seconds: a reading older than this is not shown as the stream's health


@dataclass(frozen=True)
class Health:
    """What one sample means, for the screens, the record and the BRB policy."""

    t: float
    state: str
    kbps: float | None
    drops: Drops
    congestion: float
    reasons: tuple[str, ...] = ()  # why the stream looks unwell now (even before debounce)
    since: float = 0.0  # when the current state began
    reference_kbps: float | None = None  # the healthy median LOW is judged against


def shown_state(health: Health, connected: bool, age: float) -> str:
    """What to show for ``health`` when its reading is ``age`` seconds old."""
    if connected and age > STALE_AFTER:
        return STALE
    return health.state


@dataclass
class HealthMonitor:
    """Feed samples in time order with :meth:`update`."""

    config: HealthConfig = field(default_factory=HealthConfig)
    state: str = OFFLINE
    since: float = 0.0
    _prev: Sample | None = None
    _stream_start: float | None = None
    _bad_since: float | None = None
    _good_since: float | None = None
    _healthy: deque = field(default_factory=deque)  # (t, kbps) while OK
    _sent: deque = field(default_factory=deque)  # (OBS seconds, outputBytes), newest last

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
        """kbps over the last ``rate_window`` seconds of OBS's clock for this stream (the
        newest reading at least that old, 10 % early allowed; the oldest while the stream is
        younger). None until two readings of the stream are known, or while OBS's clock has
        not moved between them."""
        sent = self._sent
        if not cur.streaming:
            sent.clear()  # nothing flows; whatever comes next is measured from afresh
            return None
        clock = cur.obs_s if cur.obs_s is not None else cur.t
        if sent and (cur.output_bytes < sent[-1][1] or clock < sent[-1][0]):
            sent.clear()  # counter reset: a new stream (or a new OBS) starts from here
        if not sent or clock > sent[-1][0]:
            sent.append((clock, cur.output_bytes))
        horizon = clock - 0.9 * self.config.rate_window
        while len(sent) > 2 and sent[1][0] <= horizon:
            sent.popleft()
        if len(sent) < 2:
            return None
        (t0, b0), (t1, b1) = sent[0], sent[-1]
        return (b1 - b0) * 8 / (t1 - t0) / 1000

    def update(self, cur: Sample) -> Health:
        prev, self._prev = self._prev, cur
        rate = self.rate(cur)
        lost = drops(prev, cur)
        c = self.config
        if not cur.streaming:
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
