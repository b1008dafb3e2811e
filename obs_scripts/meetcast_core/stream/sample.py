"""One reading of a stream, and the frames lost between two readings, by cause.

Why three drop counters: obs-websocket reports "skipped frames" in three places with three
different causes (shared/obs-facts.md). Frames dropped by the NETWORK (the uplink cannot keep
up) call for a lower bitrate or the BRB scene; frames skipped by the ENCODER or by RENDERING
mean the cloud desktop is overloaded, which BRB does not fix. They are never added together.

Why ``obs_s``: a reading carries OBS's own clock for the stream (obs-websocket's
``outputDuration``, which is the output's frame count times the frame time), so bitrate is
bytes over OBS's seconds. The laptop's arrival times carry the link's jitter, and on a lossy
1 Mbit/s home link that jitter alone looked like bitrate dips (issue 13).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Sample:
    """One reading of OBS. Counters are OBS's running totals since the stream started."""

    t: float  # when it was asked for, on the reader's monotonic clock (its age runs from here)
    connected: bool = True
    active: bool = False  # GetStreamStatus.outputActive
    reconnecting: bool = False  # GetStreamStatus.outputReconnecting
    output_bytes: int = 0  # GetStreamStatus.outputBytes
    obs_s: float | None = None  # GetStreamStatus.outputDuration in seconds: OBS's own clock
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
    rtt: float = 0.0  # seconds from asking to the answer (0 inside OBS)

    @classmethod
    def from_obs(cls, t: float, stream: Mapping[str, Any], stats: Mapping[str, Any],
                 rtt: float = 0.0) -> Sample:
        """Build a sample from the raw ``responseData`` of GetStreamStatus and GetStats."""

        def i(d: Mapping[str, Any], k: str) -> int:
            v = d.get(k)
            return int(v) if isinstance(v, (int, float)) and math.isfinite(v) else 0

        def f(d: Mapping[str, Any], k: str) -> float:
            v = d.get(k)
            return float(v) if isinstance(v, (int, float)) and math.isfinite(v) else 0.0

        duration = stream.get("outputDuration")
        obs_s = (float(duration) / 1000 if isinstance(duration, (int, float))
                 and math.isfinite(duration) else None)
        return cls(t=t, connected=True, active=bool(stream.get("outputActive")),
                   reconnecting=bool(stream.get("outputReconnecting")),
                   output_bytes=i(stream, "outputBytes"), obs_s=obs_s,
                   net_skipped=i(stream, "outputSkippedFrames"),
                   net_total=i(stream, "outputTotalFrames"),
                   congestion=f(stream, "outputCongestion"),
                   encoder_skipped=i(stats, "outputSkippedFrames"),
                   encoder_total=i(stats, "outputTotalFrames"),
                   render_skipped=i(stats, "renderSkippedFrames"),
                   render_total=i(stats, "renderTotalFrames"),
                   cpu=f(stats, "cpuUsage"), fps=f(stats, "activeFps"),
                   memory_mb=f(stats, "memoryUsage"), rtt=max(0.0, rtt))

    @classmethod
    def disconnected(cls, t: float) -> Sample:
        return cls(t=t, connected=False)

    @property
    def streaming(self) -> bool:
        """Data is flowing to the server (connected, active and not reconnecting)."""
        return self.connected and self.active and not self.reconnecting


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
