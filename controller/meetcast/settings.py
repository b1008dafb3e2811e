"""The controller's own settings from the config file (``[watch]``); the health thresholds
(``[health]``, ``[auto_brb]``) are read by the pure core. See docs/controller.md."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from meetcast_core.stream.config import HealthConfigError, auto_brb_config, health_config

from .connection import ConfigError, config_path
from .session import POLL_INTERVAL


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "meetcast"


@dataclass(frozen=True)
class WatchSettings:
    cost_per_hour: float = 0.0  # what the cloud desktop bills per hour, for the running cost
    currency: str = "$"
    interval: float = POLL_INTERVAL  # seconds between polls
    record_dir: Path | None = None  # where session records go (default: state dir/sessions)

    def record_path(self) -> Path:
        d = self.record_dir or state_dir() / "sessions"
        return d / time.strftime("%Y%m%d-%H%M%S.jsonl")


def watch_settings(config: dict[str, Any]) -> WatchSettings:
    """``[watch]`` validated; also validates ``[health]`` and ``[auto_brb]`` so that a typo
    there is reported before the dashboard starts, as one line."""
    where = str(config_path())
    try:
        health_config(config)
        auto_brb_config(config)
    except HealthConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    table = config.get("watch", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [watch] must be a table")
    allowed = {"cost_per_hour", "currency", "interval", "record_dir"}
    for key in table:
        if key not in allowed:
            raise ConfigError(f"{where}: [watch] {key}: unknown key "
                              f"(allowed: {', '.join(sorted(allowed))})")

    def number(key: str, default: float, lo: float, hi: float) -> float:
        v = table.get(key, default)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
            raise ConfigError(f"{where}: [watch] {key}: must be a number {lo:g}..{hi:g}, "
                              f"got {v!r}")
        return float(v)

    currency = table.get("currency", "$")
    if not isinstance(currency, str) or len(currency) > 5:
        raise ConfigError(f"{where}: [watch] currency: must be a short text like \"$\"")
    rec = table.get("record_dir")
    return WatchSettings(cost_per_hour=number("cost_per_hour", 0.0, 0, 10000),
                         currency=currency, interval=number("interval", POLL_INTERVAL, 0.1, 10),
                         record_dir=Path(os.path.expanduser(str(rec))) if rec else None)


def money(amount: float, currency: str) -> str:
    return f"{currency}{amount:,.2f}"


def hms(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
