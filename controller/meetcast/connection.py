"""Where the controller finds OBS: flags, environment, or the user's config file.

The password is never taken from the command line (argv is visible to every user on the
machine and lands in shell history). It comes from ``MEETCAST_PASSWORD``, an
``obsws://host:port/password`` URL in ``MEETCAST_URL``, or the config file.
"""

from __future__ import annotations

import os
import tomllib
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_HOST = "localhost"
DEFAULT_PORT = 4455


class ConfigError(ValueError):
    """Bad connection settings; the message is one line a user can act on."""


@dataclass(frozen=True)
class Connection:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    password: str = field(default="", repr=False)
    timeout: float = 5.0
    source: str = "defaults"  # where the settings came from, for error messages

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def config_path() -> Path:
    """``$MEETCAST_CONFIG``, else ``$XDG_CONFIG_HOME/meetcast/config.toml``."""
    if env := os.environ.get("MEETCAST_CONFIG"):
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "meetcast" / "config.toml"


def load_config(path: Path | None = None) -> dict:
    """The whole config file as a dict ({} when absent). Other sections (health thresholds,
    cost per hour) live in the same file."""
    path = path or config_path()
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None


def parse_url(url: str) -> tuple[str, int, str]:
    """``obsws://host:port/password`` → (host, port, password); the form other OBS tools take."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "obsws" or not parts.hostname:
        raise ConfigError("the OBS URL must look like obsws://host:port/password")
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise ConfigError("the port in the OBS URL is not a number") from None
    password = urllib.parse.unquote(parts.path.lstrip("/"))
    return parts.hostname, port, password


def _port(value: object, where: str) -> int:
    try:
        port = int(str(value))
    except ValueError:
        raise ConfigError(f"{where}: port must be a number, got {value!r}") from None
    if not 0 < port < 65536:
        raise ConfigError(f"{where}: port must be 1..65535, got {port}")
    return port


def resolve(host: str | None = None, port: int | str | None = None,
            timeout: float | None = None, env: dict[str, str] | None = None,
            config: dict | None = None) -> Connection:
    """Settings by precedence: flags, then environment, then config file, then defaults."""
    env = dict(os.environ) if env is None else env
    cfg = (load_config() if config is None else config).get("obs", {})
    if not isinstance(cfg, dict):
        raise ConfigError(f"{config_path()}: [obs] must be a table")
    h, p, pw, src = DEFAULT_HOST, DEFAULT_PORT, "", "defaults"
    if "url" in cfg:
        h, p, pw = parse_url(str(cfg["url"]))
        src = "config"
    if "host" in cfg:
        h, src = str(cfg["host"]), "config"
    if "port" in cfg:
        p, src = _port(cfg["port"], str(config_path())), "config"
    if "password" in cfg:
        pw = str(cfg["password"])
    if url := env.get("MEETCAST_URL"):
        h, p, pw = parse_url(url)
        src = "environment"
    if v := env.get("MEETCAST_HOST"):
        h, src = v, "environment"
    if v := env.get("MEETCAST_PORT"):
        p, src = _port(v, "MEETCAST_PORT"), "environment"
    if "MEETCAST_PASSWORD" in env:
        pw = env["MEETCAST_PASSWORD"]
    if host:
        h, src = host, "flags"
    if port is not None:
        p, src = _port(port, "--port"), "flags"
    t = float(timeout if timeout is not None else cfg.get("timeout", 5.0))
    return Connection(host=h, port=p, password=pw, timeout=t, source=src)
