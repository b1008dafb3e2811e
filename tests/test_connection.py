"""Where the controller finds OBS, and the rule that a password never comes from argv."""

from __future__ import annotations

import pytest

from meetcast.connection import ConfigError, parse_url, resolve


def test_defaults_when_nothing_is_set() -> None:
    c = resolve(env={}, config={})
    assert (c.host, c.port, c.password) == ("localhost", 4455, "")


def test_precedence_flags_over_env_over_config() -> None:
    cfg = {"obs": {"host": "cfg-host", "port": 1111, "password": "from-config"}}
    c = resolve(env={}, config=cfg)
    assert (c.host, c.port, c.password) == ("cfg-host", 1111, "from-config")
    env = {"MEETCAST_HOST": "env-host", "MEETCAST_PORT": "2222", "MEETCAST_PASSWORD": "from-env"}
    c = resolve(env=env, config=cfg)
    assert (c.host, c.port, c.password) == ("env-host", 2222, "from-env")
    c = resolve(host="flag-host", port="3333", env=env, config=cfg)
    assert (c.host, c.port, c.password, c.source) == ("flag-host", 3333, "from-env", "flags")


def test_obsws_url_in_env() -> None:
    c = resolve(env={"MEETCAST_URL": "obsws://10.0.0.5:4456/s3cr%2Ft"}, config={})
    assert (c.host, c.port, c.password) == ("10.0.0.5", 4456, "s3cr/t")
    assert parse_url("obsws://h/pw") == ("h", 4455, "pw")


@pytest.mark.parametrize("url", ["http://h:1/x", "obsws://", "obsws://h:notaport/x"])
def test_bad_url_is_a_config_error(url: str) -> None:
    with pytest.raises(ConfigError):
        parse_url(url)


@pytest.mark.parametrize("port", ["0", "70000", "abc"])
def test_bad_port(port: str) -> None:
    with pytest.raises(ConfigError, match="port"):
        resolve(env={"MEETCAST_PORT": port}, config={})


def test_password_is_not_in_repr() -> None:
    c = resolve(env={"MEETCAST_PASSWORD": "hunter2-secret"}, config={})
    assert "hunter2-secret" not in repr(c) and "hunter2-secret" not in str(c)
