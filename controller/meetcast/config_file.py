"""The user's config file: where it is, reading it, and validating all of it, against one
schema, before any command connects (docs/controller.md, "Config file keys").

All of it, every time: a typo in ``[health]`` should show at ``meetcast status`` the evening
before, not when ``watch`` starts during the meetup, and a section spelt ``[wach]`` should not
be silently ignored. Every fault is its own line (``file: [obs] hots: unknown key (allowed: …);
did you mean host?``), all of them at once, exit 2. The checks are the core's schema tool
(``meetcast_core.schema``) with the ``[health]`` / ``[auto_brb]`` schemas the core itself
judges streams by, and the same host/port/URL/timeout checks the flags and environment get.

A file that holds the OBS password and that other users can read draws a warning (stderr,
once, without the password): obs-websocket's password is all that stands between anyone on
that machine and the stream.
"""

from __future__ import annotations

import os
import stat
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from meetcast_core.printable import shown
from meetcast_core.schema import Field, Schema, SchemaError, validate_all
from meetcast_core.stream.config import AUTO_BRB_SCHEMA, HEALTH_SCHEMA

from .connection import ConfigError, check_host, check_port, check_timeout, parse_url
from .obs_targets import name_fault, split_obs

ENV_VAR = "MEETCAST_CONFIG"
_warned: set[str] = set()
_cache: dict[tuple[str, int, int], dict[str, Any]] = {}


def config_path() -> Path:
    """``$MEETCAST_CONFIG``, else ``$XDG_CONFIG_HOME/meetcast/config.toml``."""
    if env := os.environ.get(ENV_VAR):
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "meetcast" / "config.toml"


def _why(check: Callable[[Any, str], Any]) -> Callable[[Any], str | None]:
    """A schema ``check`` from one of the connection checks: its fault text, without the
    ``where:`` it would prefix (the schema names the file and key itself)."""

    def run(value: Any) -> str | None:
        try:
            check(value, "")
        except ConfigError as exc:
            return str(exc).removeprefix(": ")
        return None

    return run


def _short_text(value: str) -> str | None:
    return None if len(value) <= 5 else "must be a short text like \"$\" (5 characters at most)"


OBS_SCHEMA = Schema({
    "url": Field(str, required=False, check=_why(parse_url), doc="obsws://host:port/password"),
    "host": Field(str, required=False, check=_why(check_host)),
    "port": Field((int, str), required=False, check=_why(check_port)),
    "password": Field(str, required=False),
    "timeout": Field(float, required=False, check=_why(check_timeout)),
})
WATCH_SCHEMA = Schema({
    "cost_per_hour": Field(float, required=False, min=0, max=10000),
    "currency": Field(str, required=False, check=_short_text),
    "interval": Field(float, required=False, min=0.1, max=10),
    "record_dir": Field(str, required=False),
})
CONFIG_SCHEMA = Schema({
    "obs": Field(OBS_SCHEMA, required=False),
    "watch": Field(WATCH_SCHEMA, required=False),
    "health": Field(HEALTH_SCHEMA, required=False),
    "auto_brb": Field(AUTO_BRB_SCHEMA, required=False),
}, doc="~/.config/meetcast/config.toml")


def check_config(data: dict[str, Any], file: str) -> list[SchemaError]:
    """Every fault of a whole config, in the file's order: :data:`CONFIG_SCHEMA` for the
    sections, and each ``[obs.<name>]`` against the very ``[obs]`` schema (so a named OBS
    refuses an unknown key as ``[obs]`` does), its name checked too."""
    obs = data.get("obs")
    plain, named = split_obs(obs)
    flat = {**data, "obs": plain} if "obs" in data else data
    _, faults = validate_all(flat, CONFIG_SCHEMA, file, toml=True)
    for name, table in named.items():
        where = f"obs.{name}"
        if why := name_fault(name):
            faults.append(SchemaError(f"{file}: [{where}]: {why}"))
            continue
        _, more = validate_all({where: table},
                               Schema({where: Field(OBS_SCHEMA, required=False)}), file,
                               toml=True)
        faults.extend(more)
    return faults


def load_config(path: Path | None = None) -> dict[str, Any]:
    """The whole config file as a dict, validated whole ({} when the default file is absent).

    ConfigError (exit 2) with one line per fault; a ``$MEETCAST_CONFIG`` that names no file
    is a fault too (the user meant a file; silently using none would connect elsewhere)."""
    explicit = path is not None or bool(os.environ.get(ENV_VAR))
    path = path or config_path()
    try:
        st = path.stat()
    except FileNotFoundError:
        if explicit:
            raise ConfigError(f"{ENV_VAR}={shown(str(path))}: no such file") from None
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read {shown(str(path))}: {exc.strerror}") from None
    key = (str(path), st.st_mtime_ns, st.st_size)
    if key in _cache:
        return _cache[key]
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read {shown(str(path))}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{shown(str(path))}: not valid TOML: {exc}") from None
    faults = check_config(data, shown(str(path)))
    if faults:
        raise ConfigError("\n".join(shown(str(f)) for f in faults))
    _warn_if_exposed(path, st, data)
    _cache[key] = data
    return data


def _holds_password(data: dict[str, Any]) -> bool:
    plain, named = split_obs(data.get("obs") or {})
    return any(_table_holds_password(t) for t in (plain, *named.values()))


def _table_holds_password(obs: dict[str, Any]) -> bool:
    if obs.get("password"):
        return True
    url = obs.get("url")
    return bool(url) and bool(parse_url(str(url), "url")[2])


def _warn_if_exposed(path: Path, st: os.stat_result, data: dict[str, Any]) -> None:
    """One warning on stderr when the password is in a file group or others can read."""
    mode = stat.S_IMODE(st.st_mode)
    if os.name != "posix" or not mode & 0o044 or not _holds_password(data):
        return
    if str(path) in _warned:
        return
    _warned.add(str(path))
    print(f"meetcast: warning: {shown(str(path))} holds the OBS password and other users can "
          f"read it (mode {mode:04o}): chmod 600 {shown(str(path))}", file=sys.stderr)
