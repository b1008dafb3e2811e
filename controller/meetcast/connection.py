"""Where the controller finds OBS: flags, environment, or the user's config file.

The password is never taken from the command line (argv is visible to every user on the
machine and lands in shell history). It comes from ``MEETCAST_PASSWORD``, an
``obsws://host:port/password`` URL in ``MEETCAST_URL``, or the config file.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from meetcast_core.printable import shown

from .errors import BadInput

DEFAULT_HOST = "localhost"
DEFAULT_PORT = 4455
DEFAULT_TIMEOUT = 5.0
TIMEOUT_RANGE = (0.1, 600.0)  # seconds; a socket refuses 0 and below, and nobody waits 10 min
URL_FORM = "obsws://host:port/password (IPv6: obsws://[::1]:4455/password)"
_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?")


class ConfigError(BadInput, ValueError):
    """Bad connection settings (flags, environment, config file): exit 2. The message is one
    line per fault a user can act on, and never holds the password."""


@dataclass(frozen=True)
class Connection:
    host: str = DEFAULT_HOST  # a name or an IP address; IPv6 without brackets
    port: int = DEFAULT_PORT
    password: str = field(default="", repr=False)
    timeout: float = DEFAULT_TIMEOUT
    source: str = "defaults"  # where the settings came from, for error messages
    name: str | None = None  # the OBS's [obs.<name>] when chosen with --obs; None: [obs]

    @property
    def url_host(self) -> str:
        """The host as a URL needs it: an IPv6 address in brackets (``ws://[::1]:4455``)."""
        return f"[{self.host}]" if ":" in self.host else self.host

    def __str__(self) -> str:
        return f"{shown(self.url_host)}:{self.port}"


def check_host(value: object, where: str) -> str:
    """A host name or an IP address, as given; IPv6 may come in brackets (they are removed).
    Anything else is refused here, naming it escaped: a name with a control character or a
    bidi override (U+202E) would otherwise reach the resolver, and its echo the terminal."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: must be a host name or an IP address")
    host = value.strip()
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        return str(ipaddress.ip_address(bare)) if ":" in bare else _hostname(bare)
    except ValueError:
        raise ConfigError(f"{where}: “{shown(host)}” is not a host name or an IP address "
                          "(letters, digits, '-' and '.'; IPv6 as [::1])") from None


def _hostname(host: str) -> str:
    try:
        ascii_host = host.encode("idna").decode("ascii")  # café.local → xn--caf-dma.local
    except UnicodeError:
        raise ValueError(host) from None
    labels = ascii_host.rstrip(".").split(".")
    if len(ascii_host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise ValueError(host)
    return host


def check_port(value: object, where: str) -> int:
    """1..65535; 0 is refused (it would mean "any port" to a socket, never OBS's)."""
    text = str(value).strip()
    if isinstance(value, bool) or not re.fullmatch(r"[0-9]{1,10}", text):
        raise ConfigError(f"{where}: must be a port number 1..65535, got “{shown(text)}”")
    port = int(text)
    if not 0 < port < 65536:
        raise ConfigError(f"{where}: must be a port number 1..65535, got {port}")
    return port


def check_timeout(value: object, where: str) -> float:
    """Seconds to wait for OBS, within TIMEOUT_RANGE; a number, not a text."""
    lo, hi = TIMEOUT_RANGE
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not math.isfinite(value) or not lo <= value <= hi:
        got = f"“{shown(value)}”" if isinstance(value, str) else repr(value)
        raise ConfigError(f"{where}: must be a number of seconds {lo:g}..{hi:g}, got {got}")
    return float(value)


def config_path() -> Path:
    """Where the config file is (``meetcast.config_file``, which also validates it)."""
    from .config_file import config_path as path

    return path()


def load_config(path: Path | None = None) -> dict:
    """The whole config file, validated whole before anything connects (one line per fault,
    exit 2); {} when the default file is absent. See ``meetcast.config_file``."""
    from .config_file import load_config as load

    return load(path)


def parse_url(url: str, where: str = "the OBS URL") -> tuple[str, int, str]:
    """``obsws://host:port/password`` → (host, port, password); the form other OBS tools take.

    A fault names ``where`` and what is wrong, never the URL itself: it holds the password."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        hostport = parts.netloc.rpartition("@")[2]
    except ValueError as exc:  # "Invalid IPv6 URL": obsws://[::1/x
        raise ConfigError(f"{where}: not a URL ({exc}): expected {URL_FORM}") from None
    if parts.scheme != "obsws" or not hostport:
        raise ConfigError(f"{where}: expected {URL_FORM}")
    m = re.search(r":([^:\]]*)$", hostport)
    port = DEFAULT_PORT if m is None else check_port(m.group(1), f"{where}: the port")
    host = hostport[:m.start()] if m else hostport
    password = urllib.parse.unquote(parts.path.lstrip("/"))
    return check_host(host, f"{where}: the host"), port, password


def _from_table(cfg: dict, file: str) -> tuple[str, int, str, str]:
    """(host, port, password, source) from one ``[obs]`` or ``[obs.<name>]`` table."""
    h, p, pw, src = DEFAULT_HOST, DEFAULT_PORT, "", "defaults"
    if "url" in cfg:
        h, p, pw = parse_url(str(cfg["url"]), f"{file} url")
        src = "config"
    if "host" in cfg:
        h, src = check_host(cfg["host"], f"{file} host"), "config"
    if "port" in cfg:
        p, src = check_port(cfg["port"], f"{file} port"), "config"
    if "password" in cfg:
        pw = str(cfg["password"])
    return h, p, pw, src


def resolve_named(name: str, timeout: float | None = None, config: dict | None = None
                  ) -> Connection:
    """The OBS of ``[obs.<name>]``: that section alone says where it is and its password
    (the ``MEETCAST_*`` environment and ``--host``/``--port`` name the single ``[obs]``:
    applied to every named OBS they would point them all at one). ``timeout``: ``--timeout``,
    else the section's, else ``[obs]``'s, else the default."""
    from .obs_targets import split_obs

    plain, named = split_obs((load_config() if config is None else config).get("obs", {}))
    cfg = named.get(name)
    if cfg is None:
        raise ConfigError(f"{config_path()}: no [obs.{shown(name)}] section")
    file = f"{config_path()}: [obs.{shown(name)}]"
    h, p, pw, _ = _from_table(cfg, file)
    if timeout is not None:
        t = check_timeout(timeout, "--timeout")
    elif "timeout" in cfg:
        t = check_timeout(cfg["timeout"], f"{file} timeout")
    else:
        t = check_timeout(plain.get("timeout", DEFAULT_TIMEOUT), f"{config_path()}: [obs] "
                          "timeout")
    return Connection(host=h, port=p, password=pw, timeout=t, source=f"config [obs.{name}]",
                      name=name)


def resolve(host: str | None = None, port: int | str | None = None,
            timeout: float | None = None, env: dict[str, str] | None = None,
            config: dict | None = None) -> Connection:
    """Settings by precedence: flags, then environment, then config file, then defaults."""
    env = dict(os.environ) if env is None else env
    cfg = (load_config() if config is None else config).get("obs", {})
    if not isinstance(cfg, dict):
        raise ConfigError(f"{config_path()}: [obs] must be a table")
    file = f"{config_path()}: [obs]"
    h, p, pw, src = _from_table(cfg, file)
    if url := env.get("MEETCAST_URL"):
        h, p, pw = parse_url(url, "MEETCAST_URL")
        src = "environment"
    if v := env.get("MEETCAST_HOST"):
        h, src = check_host(v, "MEETCAST_HOST"), "environment"
    if v := env.get("MEETCAST_PORT"):
        p, src = check_port(v, "MEETCAST_PORT"), "environment"
    if "MEETCAST_PASSWORD" in env:
        pw = env["MEETCAST_PASSWORD"]
    if host:
        h, src = check_host(host, "--host"), "flags"
    if port is not None:
        p, src = check_port(port, "--port"), "flags"
    if timeout is not None:
        t = check_timeout(timeout, "--timeout")
    else:
        t = check_timeout(cfg.get("timeout", DEFAULT_TIMEOUT), f"{file} timeout")
    return Connection(host=h, port=p, password=pw, timeout=t, source=src)
