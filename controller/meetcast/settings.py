"""The controller's own settings from the config file (``[watch]``); the health thresholds
(``[health]``, ``[auto_brb]``) are read by the pure core. The file is validated whole by
``meetcast.config_file``. See docs/controller.md."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    """``[watch]`` of a config dict. A dict from ``load_config`` has been validated whole
    already (meetcast.config_file); one made by hand is checked here with the same schema."""
    from .config_file import check_config

    faults = check_config(config, str(config_path()))
    if faults:
        raise ConfigError("\n".join(str(f) for f in faults))
    table = config.get("watch") or {}
    rec = table.get("record_dir")
    return WatchSettings(cost_per_hour=float(table.get("cost_per_hour", 0.0)),
                         currency=table.get("currency", "$"),
                         interval=float(table.get("interval", POLL_INTERVAL)),
                         record_dir=Path(os.path.expanduser(rec)) if rec else None)


def money(amount: float, currency: str) -> str:
    return f"{currency}{amount:,.2f}"


def hms(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
