"""The ``[health]`` and ``[auto_brb]`` settings (docs/controller.md), validated.

Shared by the laptop's ``watch`` and the guard inside OBS, so that both judge a stream by the
same numbers. Checked by the core's one schema tool (``meetcast_core.schema``):
``HEALTH_SCHEMA`` and ``AUTO_BRB_SCHEMA`` are also how the controller validates these sections
of the whole config file before it connects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from ..schema import Field, Schema, SchemaError, validate_all


class HealthConfigError(SchemaError):
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


def _schema(cls: type) -> Schema:
    """The section's schema in the core's one schema tool, from the dataclass itself: a key
    is allowed exactly when it is a field, typed as its default, within ``_LIMITS``."""
    out: dict[str, Field] = {}
    for f in fields(cls):
        lo, hi = _LIMITS.get(f.name, (None, None))
        out[f.name] = Field(type(f.default), required=False, min=lo, max=hi)
    return Schema(out, doc=cls.__doc__ or "")


HEALTH_SCHEMA = _schema(HealthConfig)
AUTO_BRB_SCHEMA = _schema(AutoBrbConfig)


def _from_table(cls: type, schema: Schema, table: Any, section: str) -> Any:
    if table is None:
        return cls()
    if not isinstance(table, Mapping):
        raise HealthConfigError(f"[{section}] must be a table")
    values, faults = validate_all({section: dict(table)}, Schema({section: Field(schema)}), "",
                                  toml=True)
    if faults:  # "[health] low_kbps: …", as the config file spells it
        raise HealthConfigError(str(faults[0]))
    values = values[section]
    kinds = {f.name: type(f.default) for f in fields(cls)}
    return cls(**{k: kinds[k](v) for k, v in values.items()})  # an int given for a float


def health_config(config: Mapping[str, Any]) -> HealthConfig:
    """``[health]`` of the whole config dict, validated."""
    return _from_table(HealthConfig, HEALTH_SCHEMA, config.get("health"), "health")


def auto_brb_config(config: Mapping[str, Any]) -> AutoBrbConfig:
    """``[auto_brb]`` of the whole config dict, validated."""
    return _from_table(AutoBrbConfig, AUTO_BRB_SCHEMA, config.get("auto_brb"), "auto_brb")
