"""The controller against the real OBS of the shared lab, for the input cases that need an
OBS to answer (issue 14): an IPv6 URL reaches it, an unknown profile name is bad input (exit
2, one line), and the exit code of a refused password stays 1."""

from __future__ import annotations

import pytest

from meetcast.lab import Lab

pytestmark = pytest.mark.obs


def url_env(lab: Lab, url: str) -> dict[str, str]:
    """Only MEETCAST_URL (and the password): the lab's MEETCAST_HOST/PORT would win over it."""
    return {"MEETCAST_URL": url, "MEETCAST_PASSWORD": lab.ws_password}


def test_ipv6_url_reaches_obs(lab: Lab, run_meetcast) -> None:
    """The lab's OBS listens on ::1 too ("Not locked to IPv4 bindings" in its log). On 32.2
    (Debian sid) obs-websocket's websocketpp answers HTTP 400 to a bracketed IPv6 Host
    header; meetcast must reach it all the same (obslink._Transport says how)."""
    assert "Not locked to IPv4 bindings" in lab.log()
    r = run_meetcast("status", env=url_env(lab, f"obsws://[::1]:{lab.ws_port}/"))
    assert r.returncode == 0, r.stderr
    assert f"at [::1]:{lab.ws_port}:" in r.stdout and "Traceback" not in r.stderr


def test_unknown_profile_name_is_bad_input(lab: Lab, run_meetcast) -> None:
    r = run_meetcast("profile", "use", "nope", env=lab.env())
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1, r.stderr
    assert "no profile meetcast-nope" in lines[0] and "Traceback" not in r.stderr
