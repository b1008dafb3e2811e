"""The ``meetcast`` command against bad input and a link that misbehaves (issue 14): each
case is one line on stderr, no traceback, and the exit code ``meetcast.errors`` maps it to
(2: the user's input; 1: OBS or the connection). Run as a user would, in a subprocess; the
misbehaving peers are real sockets on loopback (tests/ws_peer.py)."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest
import ws_peer  # tests/ws_peer.py: pytest puts this folder on sys.path

from meetcast.connection import Connection
from meetcast.errors import EXIT_BAD_INPUT, EXIT_FAILED, BadInput, Failed, exit_code
from meetcast.obslink import AuthFailed, NotConnected, ObsLink
from meetcast_core.scene_list import SceneNotFound
from meetcast_core.schema import SchemaError

SECRET = "pw-never-shown-7f3a"


def one_line(r: subprocess.CompletedProcess, code: int) -> str:
    """The single stderr line of a failed run, checked: that exit code, no traceback, no
    secret anywhere."""
    lines = r.stderr.strip().splitlines()
    assert r.returncode == code, (r.returncode, r.stderr)
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr and SECRET not in r.stderr + r.stdout
    assert lines[0].startswith("meetcast: ")
    return lines[0]


@pytest.fixture
def clean_env(tmp_path: Path) -> dict[str, str]:
    """No config file of the machine's user: an empty XDG config dir of our own."""
    return {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "MEETCAST_PASSWORD": SECRET}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(("env", "needle"), [
    ({"MEETCAST_URL": "obsws://[::1/x"}, "MEETCAST_URL: not a URL (Invalid IPv6 URL)"),
    ({"MEETCAST_URL": "obsws://localhost:99999/x"}, "1..65535, got 99999"),
    ({"MEETCAST_URL": "obsws://localhost:0/x"}, "1..65535, got 0"),
    ({"MEETCAST_URL": "obsws://localhost:abc/x"}, "port number 1..65535, got “abc”"),
    ({"MEETCAST_URL": f"http://localhost:4455/{SECRET}"}, "expected obsws://host:port/password"),
    ({"MEETCAST_PORT": "0"}, "MEETCAST_PORT: must be a port number 1..65535, got 0"),
    ({"MEETCAST_PORT": "99999"}, "MEETCAST_PORT: must be a port number 1..65535, got 99999"),
    ({"MEETCAST_HOST": "\u202eevil.example"}, "MEETCAST_HOST: “\\u202eevil.example” is not"),
    ({"MEETCAST_HOST": "two words"}, "is not a host name"),
])
def test_bad_url_host_or_port_is_one_line_exit_2(run_meetcast, clean_env, env, needle) -> None:
    line = one_line(run_meetcast("status", env={**clean_env, **env}), EXIT_BAD_INPUT)
    assert needle in line
    assert "\u202e" not in line  # the override is shown escaped, never applied


@pytest.mark.parametrize(("args", "needle"), [
    (["--timeout", "-1"], "--timeout: must be a number of seconds 0.1..600, got -1.0"),
    (["--timeout", "0"], "got 0.0"),
    (["--timeout", "nan"], "got nan"),
    (["--timeout", "x"], "invalid float value: 'x'"),
    (["--port", "0"], "--port: must be a port number 1..65535, got 0"),
])
def test_bad_flags_are_one_line_exit_2(run_meetcast, clean_env, args, needle) -> None:
    assert needle in one_line(run_meetcast("status", *args, env=clean_env), EXIT_BAD_INPUT)


def test_config_timeout_text_is_one_line_exit_2(run_meetcast, clean_env, tmp_path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[obs]\ntimeout = "x"\n')
    cfg.chmod(0o600)
    line = one_line(run_meetcast("status", env={**clean_env, "MEETCAST_CONFIG": str(cfg)}),
                    EXIT_BAD_INPUT)
    assert str(cfg) in line and "timeout" in line


def test_ipv6_url_reaches_the_socket(run_meetcast, clean_env) -> None:
    """``obsws://[::1]:PORT``: past the URL parsing to the socket (nothing listens there)."""
    port = free_port()
    line = one_line(run_meetcast("status", env={**clean_env,
                                                "MEETCAST_URL": f"obsws://[::1]:{port}/x"}),
                    EXIT_FAILED)
    assert f"nothing is listening on [::1]:{port}" in line


def test_host_that_does_not_exist(run_meetcast, clean_env) -> None:
    line = one_line(run_meetcast("status", "--host", "no-such-host.invalid", env=clean_env),
                    EXIT_FAILED)
    assert "cannot find host “no-such-host.invalid”" in line


def test_port_answering_http(run_meetcast, clean_env) -> None:
    with ws_peer.http_port() as port:
        line = one_line(run_meetcast("status", "--host", "127.0.0.1", "--port", str(port),
                                     env=clean_env), EXIT_FAILED)
    assert "not as obs-websocket (HTTP 404)" in line


@pytest.mark.parametrize("peer", [ws_peer.close_at_once, ws_peer.reset_at_once])
def test_tunnel_that_closes_at_once_is_not_a_refused_password(run_meetcast, clean_env,
                                                              peer) -> None:
    with ws_peer.serve(peer) as port:
        line = one_line(run_meetcast("status", "--host", "127.0.0.1", "--port", str(port),
                                     env=clean_env), EXIT_FAILED)
        assert "closed the connection without answering" in line
        assert "password" not in line
        with pytest.raises(NotConnected) as err:  # what the watch session reconnects on
            ObsLink(Connection("127.0.0.1", port, SECRET, 2.0))
        assert not isinstance(err.value, AuthFailed)


def test_closed_after_hello_is_not_a_refused_password(clean_env) -> None:
    with ws_peer.serve(ws_peer.obs_peer("drop-after-hello")) as port, \
            pytest.raises(NotConnected) as err:
        ObsLink(Connection("127.0.0.1", port, SECRET, 2.0))
    assert not isinstance(err.value, AuthFailed) and "password" not in str(err.value)


def test_close_code_4009_is_a_refused_password(run_meetcast, clean_env) -> None:
    with ws_peer.serve(ws_peer.obs_peer("refuse")) as port:
        line = one_line(run_meetcast("status", "--host", "127.0.0.1", "--port", str(port),
                                     env=clean_env), EXIT_FAILED)
        assert "refused the password" in line
        with pytest.raises(AuthFailed):
            ObsLink(Connection("127.0.0.1", port, SECRET, 2.0))


def test_obs_lost_mid_command(run_meetcast, clean_env) -> None:
    with ws_peer.serve(ws_peer.obs_peer("lose-at-first-request")) as port:
        line = one_line(run_meetcast("status", "--host", "127.0.0.1", "--port", str(port),
                                     env=clean_env), EXIT_FAILED)
    assert f"lost the connection to OBS at 127.0.0.1:{port} (" in line
    assert "Exception" not in line and "Error" not in line  # words, not a class name


def test_say_with_text_and_clear(run_meetcast, clean_env) -> None:
    line = one_line(run_meetcast("say", "--clear", "x", env=clean_env), EXIT_BAD_INPUT)
    assert "not both" in line


def test_one_table_gives_every_exit_code() -> None:
    assert exit_code(BadInput("x")) == exit_code(SceneNotFound("x")) == EXIT_BAD_INPUT
    assert exit_code(SchemaError("x")) == EXIT_BAD_INPUT
    assert exit_code(Failed("x")) == exit_code(NotConnected("x")) == EXIT_FAILED
    assert exit_code(KeyboardInterrupt()) == 130
    assert exit_code(ZeroDivisionError()) is None  # a bug is not a failure mode: it shows
