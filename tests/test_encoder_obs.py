"""Encoder profiles on the real OBS: the script writes complete ``meetcast-*`` profiles and
switches OBS to the chosen one (x264 here: no GPU, and the log says so), what reaches the
ingest has the profile's size, fps and 2 s keyframes, ``meetcast profile list/use`` see and
switch them (refused while live), and a second apply changes nothing.

The full 20 s × every profile bitrate measurement is ``bench/encoder_profiles.py``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from meetcast.lab import Lab, ObsConfig
from meetcast.lab.checks import assert_clean_exit
from meetcast.lab.lab import SCRIPT
from meetcast.lab.media import make_test_pattern, probe_recording
from meetcast_core.encoder_choice import choose
from meetcast_core.encoder_profiles import default_directory, load_all

pytestmark = pytest.mark.obs

PROBE = Path(__file__).with_name("obs_scripts") / "enc_props_probe.py"
X264_WHY = "NVENC, AMD AMF, Intel QSV, Apple VideoToolbox, VAAPI absent → x264 veryfast"


def _param(link, category: str, name: str) -> str:
    return link.call("GetProfileParameter", {"parameterCategory": category,
                                             "parameterName": name})["parameterValue"]


def _wait_profile(lab: Lab, name: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    current = None
    while time.monotonic() < deadline:
        with lab.link() as link:
            current = link.call("GetProfileList")["currentProfileName"]
        if current == name:
            return
        time.sleep(0.2)
    raise AssertionError(f"OBS stayed on profile {current!r}, wanted {name!r}\n"
                         + "\n".join(line for line in lab.log().splitlines()
                                     if "meetcast" in line))


def _wait_log(lab: Lab, text: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in lab.log():
        if time.monotonic() > deadline:
            raise AssertionError(f"OBS's log never said {text!r}")
        time.sleep(0.1)


def _folder(lab: Lab, name: str) -> Path:
    for d in lab.obs.profiles_dir.iterdir():
        ini = d / "basic.ini"
        if ini.exists() and f"Name={name}\n" in ini.read_text(encoding="utf-8-sig"):
            return d
    raise AssertionError(f"no profile folder for {name}")


def _stream(lab: Lab, seconds: float) -> Path:
    before = set(lab.ingest.recordings())
    with lab.link() as link:
        link.call("StartStream")
        time.sleep(seconds)
        link.call("StopStream")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and link.call("GetStreamStatus")["outputActive"]:
            time.sleep(0.1)
    time.sleep(0.5)
    new = [r for r in lab.ingest.recordings() if r not in before]
    assert new, "the ingest recorded nothing"
    return new[-1]


def _snapshot(folders: list[Path]) -> dict[str, tuple[bytes, int]]:
    return {f"{d.name}/{f.name}": (f.read_bytes(), f.stat().st_mtime_ns)
            for d in folders for f in sorted(d.iterdir())}


def test_profiles_applied_streamed_listed_switched(lab_factory, run_meetcast, baseline_leaks
                                                   ) -> None:
    profiles = {p.name: p for p in load_all(default_directory())}
    low = profiles["low-bandwidth"]
    lab = lab_factory(ObsConfig(scripts=[SCRIPT, PROBE],
                                script_settings={"enc_profile": "low-bandwidth",
                                                 "enc_apply_at_start": True}))
    _wait_profile(lab, "meetcast-low-bandwidth")

    # -- the profile OBS now runs -------------------------------------------------------
    with lab.link() as link:
        listed = link.call("GetProfileList")["profiles"]
        video = link.call("GetVideoSettings")
        assert _param(link, "Output", "Mode") == "Advanced"
        assert _param(link, "AdvOut", "Encoder") == "obs_x264"
        assert _param(link, "Output", "DynamicBitrate") == "true"
        assert _param(link, "Output", "Reconnect") == "true"
    assert {p.obs_profile for p in profiles.values()} <= set(listed)
    assert (video["baseWidth"], video["baseHeight"]) == (1920, 1080)
    assert (video["outputWidth"], video["outputHeight"]) == (852, 480)
    assert (video["fpsNumerator"], video["fpsDenominator"]) == (30, 1)
    folder = _folder(lab, "meetcast-low-bandwidth")
    want = choose(low, {"obs_x264"}, lab.obs_version).settings
    assert json.loads((folder / "streamEncoder.json").read_text()) == want
    service = json.loads((folder / "service.json").read_text())
    assert service["settings"]["key"] == lab.stream_key             # carried over
    assert service["settings"]["server"] == lab.ingest.server_url

    log = lab.log()
    assert "meetcast: OBS {}.{}.".format(*lab.obs_version) in log
    assert "H.264 encoders present: obs_x264" in log
    for name in profiles:
        assert f"meetcast: encoder for {name}: obs_x264 ({X264_WHY})" in log
    assert "switching OBS to meetcast-low-bandwidth: obs_x264, 852x480@30 fps" in log
    assert lab.stream_key not in log

    # -- what reaches the ingest: size, fps, keyframes every 2 s -----------------------
    with lab.link() as link:  # something moving, so the encoder has work to do
        made = link.call("CreateInput", {
            "sceneName": "Scene", "inputName": "enc test pattern", "inputKind": "ffmpeg_source",
            "inputSettings": {"local_file": str(make_test_pattern(lab.dir / "pattern.mp4",
                                                                  (640, 360), 30, 4)),
                              "looping": True, "is_local_file": True}})
        link.call("SetSceneItemTransform", {
            "sceneName": "Scene", "sceneItemId": made["sceneItemId"],
            "sceneItemTransform": {"boundsType": "OBS_BOUNDS_STRETCH",
                                   "boundsWidth": 1920, "boundsHeight": 1080}})
    rec = probe_recording(_stream(lab, 6.5))
    assert (rec.width, rec.height) == (852, 480)
    assert abs(rec.fps_measured - 30) < 0.6
    assert len(rec.keyframe_gaps) >= 2
    assert all(abs(g - 2.0) <= 1 / 30 + 1e-3 for g in rec.keyframe_gaps), rec.keyframe_gaps

    # -- the controller: list, use, refusals ------------------------------------------
    r = run_meetcast("profile", "list", "--json", env=lab.env())
    assert r.returncode == 0, r.stderr
    rows = {row["name"]: row for row in json.loads(r.stdout)["profiles"]}
    assert rows["meetcast-low-bandwidth"]["current"] is True
    assert rows["meetcast-low-bandwidth"]["encoder"] == "obs_x264"
    assert all(row["in_obs"] for row in rows.values())

    r = run_meetcast("profile", "use", "meetup-720p30", env=lab.env())
    assert r.returncode == 0, r.stderr
    assert "switched OBS to meetcast-meetup-720p30 (encoder obs_x264)" in r.stdout
    with lab.link() as link:
        video = link.call("GetVideoSettings")
    assert (video["outputWidth"], video["outputHeight"]) == (1280, 720)
    human = run_meetcast("profile", "list", env=lab.env())
    assert "* meetcast-meetup-720p30" in human.stdout and "  meetcast-low-bandwidth" in human.stdout

    r = run_meetcast("profile", "use", "meetup-4k", env=lab.env())
    assert r.returncode == 2 and r.stderr.count("\n") == 1  # bad input (docs/controller.md)
    assert "OBS has no profile meetcast-meetup-4k" in r.stderr

    with lab.link() as link:
        link.call("StartStream")
        time.sleep(1.0)
        r = run_meetcast("profile", "use", "low-bandwidth", env=lab.env())
        still = link.call("GetProfileList")["currentProfileName"]
        link.call("StopStream")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and link.call("GetStreamStatus")["outputActive"]:
            time.sleep(0.1)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "not switching to meetcast-low-bandwidth while OBS is streaming" in r.stderr
    assert still == "meetcast-meetup-720p30"

    # -- the script's Properties: what they show; Apply refuses while live, else switches
    log = lab.log()
    assert 'PROBE live list=["low-bandwidth — 480p30' in log
    status = json.loads(log.split("PROBE live status=")[1].splitlines()[0])
    assert f"low-bandwidth: 852x480@30, 900 kbps → obs_x264 — {X264_WHY}" in status
    assert f"meetup-1080p30: 1920x1080@30, 4500 kbps → obs_x264 — {X264_WHY}" in status
    refused = json.loads(log.split("PROBE live result=")[-1].splitlines()[0])
    assert refused.startswith("not switching to low-bandwidth: OBS is streaming")
    with lab.link() as link:  # a scene change makes the probe press Apply, not live now
        link.call("CreateScene", {"sceneName": "enc other"})
        link.call("SetCurrentProgramScene", {"sceneName": "enc other"})
    _wait_profile(lab, "meetcast-low-bandwidth")
    # The click only queues the Apply: OBS runs its steps from the UI loop, never inside
    # a script callback (where a profile switch deadlocks OBS 30.2+).
    clicked = json.loads(lab.log().split("PROBE scene result=")[-1].splitlines()[0])
    assert clicked == "applying low-bandwidth…", clicked
    _wait_log(lab, "meetcast: switched to meetcast-low-bandwidth: obs_x264")

    # -- a second apply (OBS restarted on the chosen profile) changes nothing -----------
    lab.stop_obs()
    ours = [_folder(lab, p.obs_profile) for p in profiles.values()]
    before = _snapshot(ours)
    lab.obs.cfg.profile = "meetcast-low-bandwidth"
    seen = len(lab.log())
    lab.start_obs()
    _wait_profile(lab, "meetcast-low-bandwidth")
    time.sleep(0.5)
    again = lab.log()[seen:]
    assert "meetcast-low-bandwidth already applied" in again and "nothing changed" in again
    assert "meetcast: wrote" not in again and "Switched to profile" not in again
    after = _snapshot(ours)
    # Not a byte changed. Not an mtime either, but for the file OBS itself may save as it
    # starts: OBS 32 writes the active profile's basic.ini back in InitBasicConfig when its
    # defaults changed anything (32.2.2:frontend/widgets/OBSBasic.cpp), meetcast or not.
    active = f"{_folder(lab, 'meetcast-low-bandwidth').name}/basic.ini"
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}
    assert {k: v for k, v in after.items() if k != active} == \
        {k: v for k, v in before.items() if k != active}
    assert_clean_exit(lab.stop(), baseline_leaks)
