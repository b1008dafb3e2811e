"""The ``[health]`` and ``[auto_brb]`` settings (docs/controller.md), validated.

Shared by the laptop's ``watch`` and the guard inside OBS, so that both judge a stream by the
same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any


class HealthConfigError(ValueError):
    """A bad ``[health]`` / ``[auto_brb]`` setting; one line naming key and allowed values."""


@dataclass(frozen=True)
class HealthConfig:
    """Thresholds and debounce (config file ``[health]``; docs/controller.md)."""

    low_kbps: float = 0.0  # LOW below this many kbps; 0 = relative to the stream's own median
    low_fraction: float = 0.6  # ... LOW below this fraction of the recent healthy median
    # Bitrate is Δbytes over (about) this many seconds of OBS's clock, however often OBS is
    # read: frames leave in bursts (a keyframe is several times a P-frame), so a quarter-second
    # rate would swing far more than the stream does.
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
    """``[auto_brb]`` of the whole config dict, validated."""
    return _from_table(AutoBrbConfig, config.get("auto_brb"), "auto_brb")
