"""The controller's one-shot commands against the real OBS of the shared lab: switch, stream,
mute/unmute, say. Each test puts OBS back as it found it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from meetcast.lab import Lab
from meetcast_core.names import MIC_SOURCE, SOURCE_LOWER_THIRD
from meetcast_core.scene_list import dock_order

pytestmark = pytest.mark.obs

EXTRA = ("ctl-test Alpha", "ctl-test Beta")


def program(lab: Lab) -> str:
    with lab.link() as link:
        return link.call("GetCurrentProgramScene")["currentProgramSceneName"]


def streaming(lab: Lab) -> bool:
    with lab.link() as link:
        return bool(link.call("GetStreamStatus")["outputActive"])


def wait_streaming(lab: Lab, want: bool, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while streaming(lab) != want:
        assert time.monotonic() < deadline, f"stream never became {'on' if want else 'off'}"
        time.sleep(0.1)


@pytest.fixture
def extra_scenes(lab: Lab) -> Iterator[list[str]]:
    """Two scenes of our own beside the lab's "Scene"; removed afterwards."""
    with lab.link() as link:
        before = link.call("GetCurrentProgramScene")["currentProgramSceneName"]
        for name in EXTRA:
            link.call("CreateScene", {"sceneName": name})
        order = dock_order(link.call("GetSceneList"))
    try:
        yield order
    finally:
        with lab.link() as link:
            link.call("SetCurrentProgramScene", {"sceneName": before})
            for name in EXTRA:
                link.call("RemoveScene", {"sceneName": name})


def test_switch_by_dock_number_and_by_name(lab: Lab, run_meetcast, extra_scenes) -> None:
    order = extra_scenes
    assert set(EXTRA) <= set(order)
    n = order.index(EXTRA[0]) + 1
    r = run_meetcast("switch", str(n), "--json", env=lab.env())
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert (out["scene"], out["number"], out["changed"]) == (EXTRA[0], n, True)
    assert program(lab) == EXTRA[0]
    r = run_meetcast("switch", "CTL-TEST beta", env=lab.env())  # unique, case-insensitive
    assert r.returncode == 0 and "ctl-test Beta" in r.stdout, r.stderr
    assert program(lab) == EXTRA[1]
    r = run_meetcast("switch", EXTRA[1], "--json", env=lab.env())  # idempotent
    assert json.loads(r.stdout)["changed"] is False


@pytest.mark.parametrize("wanted", ["99", "no such scene"])
def test_switch_to_a_missing_scene_is_one_line_exit_2(lab: Lab, run_meetcast,
                                                      wanted: str) -> None:
    before = program(lab)
    r = run_meetcast("switch", wanted, env=lab.env())
    assert r.returncode == 2 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert program(lab) == before


def test_stream_start_and_stop_with_confirmation_rules(lab: Lab, run_meetcast) -> None:
    was = streaming(lab)
    try:
        r = run_meetcast("stream", "start", "--json", env=lab.env())
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["streaming"] is True
        wait_streaming(lab, True)
        # no terminal and no --yes: refuse, one line, the stream goes on
        r = run_meetcast("stream", "stop", env=lab.env(), input="y\n")
        assert r.returncode == 2 and "--yes" in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
        assert streaming(lab)
        r = run_meetcast("stream", "stop", "--yes", env=lab.env())
        assert r.returncode == 0 and "stopped" in r.stdout, r.stderr
        wait_streaming(lab, False)
        r = run_meetcast("stream", "stop", "--yes", env=lab.env())
        assert r.returncode == 0 and "not streaming" in r.stdout
    finally:
        with lab.link() as link:
            if was != streaming(lab):
                link.call("StartStream" if was else "StopStream")
        wait_streaming(lab, was)


def mic_muted(lab: Lab) -> bool:
    with lab.link() as link:
        return bool(link.call("GetInputMute", {"inputName": MIC_SOURCE})["inputMuted"])


def test_mute_and_unmute_the_mic(lab: Lab, run_meetcast) -> None:
    was = mic_muted(lab)
    try:
        r = run_meetcast("mute", "mic", "--json", env=lab.env())
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout) == {"source": MIC_SOURCE, "muted": True}
        assert mic_muted(lab)
        r = run_meetcast("unmute", MIC_SOURCE, env=lab.env())
        assert r.returncode == 0 and "unmuted" in r.stdout
        assert not mic_muted(lab)
        r = run_meetcast("mute", "Kazoo", env=lab.env())
        assert r.returncode == 2 and "Mic/Aux" in r.stderr  # lists what exists
        assert len(r.stderr.strip().splitlines()) == 1
    finally:
        with lab.link() as link:
            link.call("SetInputMute", {"inputName": MIC_SOURCE, "inputMuted": was})


def test_say_sets_the_lower_third_and_only_its_text(lab: Lab, run_meetcast) -> None:
    with lab.link() as link:
        names = [i["inputName"] for i in link.call("GetInputList")["inputs"]]
        created = SOURCE_LOWER_THIRD not in names
        if created:
            r = run_meetcast("say", "nobody yet", env=lab.env())
            assert r.returncode == 1 and SOURCE_LOWER_THIRD in r.stderr
            assert len(r.stderr.strip().splitlines()) == 1
            # what the scenes feature creates; here made by hand (headless Linux: ft2)
            link.call("CreateInput", {"sceneName": "Scene", "inputName": SOURCE_LOWER_THIRD,
                                      "inputKind": "text_ft2_source_v2",
                                      "inputSettings": {"text": "", "font": {"size": 48}}})
        before = link.call("GetInputSettings", {"inputName": SOURCE_LOWER_THIRD})
    try:
        r = run_meetcast("say", "Next: Aiko Tanaka — Rust on microcontrollers", "--json",
                         env=lab.env())
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["text"] == "Next: Aiko Tanaka — Rust on microcontrollers"
        with lab.link() as link:
            now = link.call("GetInputSettings", {"inputName": SOURCE_LOWER_THIRD})
        assert now["inputSettings"]["text"] == "Next: Aiko Tanaka — Rust on microcontrollers"
        # the user's font is untouched
        assert now["inputSettings"].get("font") == before["inputSettings"].get("font")
        r = run_meetcast("say", "--clear", env=lab.env())
        assert r.returncode == 0 and "cleared" in r.stdout
        r = run_meetcast("say", env=lab.env())
        assert r.returncode == 2
    finally:
        with lab.link() as link:
            if created:
                link.call("RemoveInput", {"inputName": SOURCE_LOWER_THIRD})
            else:
                link.call("SetInputSettings", {"inputName": SOURCE_LOWER_THIRD,
                                               "inputSettings": before["inputSettings"]})


HOSTILE = "ctl-test \x1b[31mRED\x1b[0m \x1b]0;PWNED\x07 two\nlines \u202eevil"


def _only_text(out: str) -> None:
    """No byte below 0x20 but the newline ending each line, no DEL/C1, no bidi override."""
    bad = [c for c in out if (ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) <= 0x9f
           or c == "\u202e"]
    assert not bad, repr(out)


def test_hostile_scene_name_reaches_the_terminal_as_text(lab: Lab, run_meetcast) -> None:
    with lab.link() as link:
        before = link.call("GetCurrentProgramScene")["currentProgramSceneName"]
        link.call("CreateScene", {"sceneName": HOSTILE})
    try:
        r = run_meetcast("scenes", env=lab.env())
        assert r.returncode == 0, r.stderr
        _only_text(r.stdout)
        listed = [line for line in r.stdout.splitlines() if "ctl-test" in line]
        assert len(listed) == 1  # the newline in the name forged no second line
        assert "\\x1b[31mRED" in listed[0] and "\\n" in listed[0] and "\\u202e" in listed[0]
        number = r.stdout.splitlines().index(listed[0]) + 1
        r = run_meetcast("switch", str(number), env=lab.env())
        assert r.returncode == 0, r.stderr
        _only_text(r.stdout + r.stderr)
        r = run_meetcast("watch", "--plain", "--seconds", "1.5", env=lab.env())
        _only_text(r.stdout + r.stderr)
        assert "\\x1b]0;PWNED\\x07" in r.stdout
        # --json stays exact: it decodes to the very name OBS holds
        r = run_meetcast("scenes", "--json", env=lab.env())
        _only_text(r.stdout)
        assert HOSTILE in [s["name"] for s in json.loads(r.stdout)]
    finally:
        with lab.link() as link:
            link.call("SetCurrentProgramScene", {"sceneName": before})
            link.call("RemoveScene", {"sceneName": HOSTILE})
