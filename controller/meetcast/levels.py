"""Audio levels from obs-websocket's InputVolumeMeters, in dBFS, for the screens that show
them (the dashboard and the phone page). The session subscribes to the event only while one
of them does (:meth:`meetcast.session.Session.want_levels`): every 50 ms it costs the link
about 50 kbit/s, a twentieth of a 1 Mbit/s home uplink."""

from __future__ import annotations

import math

from meetcast_core.names import DESKTOP_SOURCE, MIC_SOURCE

FLOOR_DB = -60.0  # a meter's bottom: silence, and anything quieter
# The two meters shown: key -> OBS's input name.
LEVEL_INPUTS = {"mic": MIC_SOURCE, "desktop": DESKTOP_SOURCE}


def db(mul: float) -> float:
    return round(max(FLOOR_DB, 20 * math.log10(mul)) if mul > 0 else FLOOR_DB, 1)


def peak_db(meters: dict[str, list[list[float]]], name: str) -> float | None:
    """The peak of input ``name`` in dBFS over its channels (inputLevelsMul: magnitude,
    peak, input peak per channel, 0..1; the peak is after the input's filters and fader,
    what the stream gets); None when the event did not have it."""
    peaks = [c[1] for c in meters.get(name) or [] if len(c) > 1]
    return db(max(peaks)) if peaks else None


def peaks(meters: dict[str, list[list[float]]]) -> dict[str, float | None]:
    return {key: peak_db(meters, name) for key, name in LEVEL_INPUTS.items()}


def shown(level: float | None) -> str:
    return "—" if level is None else f"{level:.0f} dB"
