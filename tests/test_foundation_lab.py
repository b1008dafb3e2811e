"""The foundation, proven on the real OBS: our script loads cleanly, leaks nothing, and
``meetcast status`` sees the lab's OBS; failures are one line with no secret in them."""

from __future__ import annotations

import json
import socket

import pytest
from conftest import stop_cleanly

from meetcast.lab import Lab
from meetcast.lab.checks import assert_clean_exit


def test_script_loads_and_describes_itself(lab: Lab) -> None:
    log = lab.log()
    assert "[obs-scripting]: Loaded python script: meetcast_obs.py" in log
    assert "[Python: meetcast_obs.py] meetcast" in log


def test_script_adds_no_leak_and_no_error(lab_factory, baseline_leaks: int) -> None:
    report = stop_cleanly(lab_factory)
    assert "Loaded python script: meetcast_obs.py" in report.log
    assert_clean_exit(report, baseline_leaks)


def test_status_sees_the_lab(lab: Lab, run_meetcast) -> None:
    r = run_meetcast("status", "--json", env=lab.env())
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["obs_version"].startswith("{}.{}.".format(*lab.obs_version))
    assert info["websocket_version"].startswith("5.")
    with lab.link() as link:
        assert info["scene"] == link.call("GetCurrentProgramScene")["currentProgramSceneName"]
    assert info["streaming"] is False
    human = run_meetcast("status", env=lab.env())
    assert human.returncode == 0 and info["scene"] in human.stdout


def test_wrong_password_is_one_line_without_the_secret(lab: Lab, run_meetcast) -> None:
    secret = "wrong-" + lab.ws_password[::-1]
    env = {**lab.env(), "MEETCAST_PASSWORD": secret}
    r = run_meetcast("status", env=env)
    assert r.returncode != 0
    assert r.stderr.count("\n") == 1 and "password" in r.stderr
    assert "Traceback" not in r.stderr
    for text in (r.stdout, r.stderr):
        assert secret not in text and lab.ws_password not in text
        assert lab.stream_key not in text


def test_nothing_listening(run_meetcast) -> None:
    with socket.socket() as s:  # a port that is certainly closed: bound, never listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        r = run_meetcast("status", "--host", "127.0.0.1", "--port", str(port),
                         env={"MEETCAST_PASSWORD": "x"})
    assert r.returncode == 1
    assert r.stderr.startswith("meetcast: nothing is listening on 127.0.0.1:")
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_timeout_is_one_line(run_meetcast) -> None:
    with socket.socket() as s:  # listening but never answering the websocket handshake
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        r = run_meetcast("status", "--host", "127.0.0.1", "--port", str(port),
                         "--timeout", "0.5", env={"MEETCAST_PASSWORD": "x"})
    assert r.returncode == 1
    assert "did not answer within 0.5 s" in r.stderr and r.stderr.count("\n") == 1


def test_password_on_argv_is_refused(run_meetcast) -> None:
    r = run_meetcast("status", "--password", "hunter2")
    assert r.returncode == 2 and "MEETCAST_PASSWORD" in r.stderr
    assert "hunter2" not in r.stdout + r.stderr


def test_debug_logging_never_shows_secrets(lab: Lab, caplog) -> None:
    """obsws-python logs the password at INFO and payloads at DEBUG: meetcast silences it."""
    import logging

    caplog.set_level(logging.DEBUG)
    with lab.link() as link:
        settings = link.call("GetStreamServiceSettings")
    assert settings["streamServiceSettings"]["key"] == lab.stream_key  # the key did travel
    assert lab.ws_password not in caplog.text
    assert lab.stream_key not in caplog.text


@pytest.mark.obs
def test_lab_command_comes_up_and_goes_down(run_meetcast) -> None:
    """``meetcast lab`` as a human runs it: up, the env file hint, then down with a verdict."""
    r = run_meetcast("lab", "--seconds", "1", timeout=120)
    assert r.returncode == 0, r.stderr
    assert "lab up in" in r.stdout and "source " in r.stdout and "lab.env" in r.stdout
    assert "script errors: 0" in r.stdout
    assert "MEETCAST_PASSWORD" not in r.stdout
