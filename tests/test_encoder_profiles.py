"""Encoder profile files and the OBS profile files made from them, without OBS: every shipped
profile validates and fits the ingests; bad files are refused in one line naming file, key
and allowed values; the OBS profile plan is idempotent and never shows the stream key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from meetcast_core import obs_profile as op
from meetcast_core.encoder_choice import choose
from meetcast_core.encoder_profiles import (
    TWITCH_MAX_TOTAL_KBPS,
    YOUTUBE_KBPS_RANGE,
    default_directory,
    load_all,
    load_profile,
)
from meetcast_core.schema import SchemaError

PROFILES = default_directory()
SHIPPED = ("low-bandwidth", "meetup-1080p30", "meetup-720p30")
SECRET = "live_123456_s3cr3tStreamKey"


@pytest.fixture(scope="module")
def shipped():
    return {p.name: p for p in load_all(PROFILES)}


def test_every_shipped_profile_validates(shipped) -> None:
    assert tuple(sorted(shipped)) == SHIPPED
    for p in shipped.values():
        assert p.keyframe_sec == 2 and p.rate_control == "CBR" and p.fps == 30
        assert p.encoders == ("nvenc", "amf", "qsv", "videotoolbox", "vaapi", "x264")
        assert p.obs_profile == "meetcast-" + p.name


def test_profiles_fit_youtube_and_twitch(shipped) -> None:
    canvases = {(p.canvas.width, p.canvas.height) for p in shipped.values()}
    assert canvases == {(1920, 1080)}  # one canvas: scenes do not move when switching
    for p in shipped.values():
        assert p.video_kbps + p.audio_kbps <= TWITCH_MAX_TOTAL_KBPS
        low, high = YOUTUBE_KBPS_RANGE[p.output.height]
        assert low <= p.video_kbps <= high, p.name
    assert shipped["meetup-720p30"].video_kbps == 3000
    low = shipped["low-bandwidth"]
    assert 900 <= low.video_kbps + low.audio_kbps <= 1100  # "near 1 Mbps"


def test_only_top_level_yaml_is_read(tmp_path: Path) -> None:
    src = (PROFILES / "meetup-720p30.yaml").read_text()
    (tmp_path / "a.yaml").write_text(src)
    (tmp_path / "audio").mkdir()
    (tmp_path / "audio" / "voice.yaml").write_text("chain: [gate]\n")  # another schema
    assert [p.name for p in load_all(tmp_path)] == ["a"]


def _bad(tmp_path: Path, name: str = "x.yaml", **changes) -> str:
    data = yaml.safe_load((PROFILES / "meetup-720p30.yaml").read_text())
    for key, value in changes.items():
        path = key.split("__")
        target = data
        for k in path[:-1]:
            target = target[k]
        if value is None:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    f = tmp_path / name
    f.write_text(yaml.safe_dump(data))
    with pytest.raises(SchemaError) as exc:
        load_profile(f)
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith(str(f))
    return msg


def test_bad_files_are_refused_naming_file_key_and_allowed(tmp_path: Path) -> None:
    assert "fps: 29 is not allowed (allowed: 24, 25, 30, 48, 50, 60)" in _bad(tmp_path, fps=29)
    msg = _bad(tmp_path, bitrate=3000)
    assert "bitrate: unknown key (allowed: description, canvas, output, fps" in msg
    assert "video_kbps: expected an integer, got str" in _bad(tmp_path, video_kbps="3000")
    assert "video_kbps: 100 is out of range (allowed: 300..20000)" in _bad(
        tmp_path, video_kbps=100)
    assert "nvenc.preset: 'p9' is not allowed (allowed: p1, p2" in _bad(
        tmp_path, nvenc__preset="p9")
    assert "x264.preset: 'placebo' is not allowed" in _bad(tmp_path, x264__preset="placebo")
    assert "encoders.[1]: 'quicksync' is not allowed (allowed: nvenc, amf, qsv" in _bad(
        tmp_path, encoders=["nvenc", "quicksync"])
    assert "output.width: 854 is not a multiple of 4" in _bad(
        tmp_path, output={"width": 854, "height": 480})
    assert "canvas.height: 1081 is odd" in _bad(tmp_path, canvas={"width": 1920,
                                                                  "height": 1081})
    assert "output: 2560x1440 is larger than the canvas 1920x1080" in _bad(
        tmp_path, output={"width": 2560, "height": 1440})
    assert "encoders: lists a family twice" in _bad(tmp_path, encoders=["x264", "x264"])
    assert "keyframe_sec: missing (required)" in _bad(tmp_path, keyframe_sec=None)
    assert "rate_control: 'VBR' is not allowed (allowed: CBR)" in _bad(
        tmp_path, rate_control="VBR")
    assert "is not a profile name" in _bad(tmp_path, name="Meetup 720.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("fps: [30\n")
    with pytest.raises(SchemaError, match=r"broken\.yaml: line \d: not valid YAML"):
        load_profile(broken)


# --- the OBS profile files -----------------------------------------------------------------

HOME_INI = ("\ufeff[General]\nName=Untitled\n[Output]\nMode=Simple\n[Audio]\n"
            "SampleRate=44100\nChannelSetup=Stereo\n[Hotkeys]\nOBSBasic.StartStreaming={}\n")
SERVICE = {"type": "rtmp_common", "settings": {"service": "YouTube - RTMPS",
                                               "server": "auto", "key": SECRET}}


def _plan(p, existing, version=(29, 0), present=("obs_x264",)):
    c = choose(p, set(present), version)
    audio = op.carried_audio(op.parse_ini(HOME_INI))
    return c, op.plan_files(p, c, p.obs_profile, existing, SERVICE, audio)


def test_complete_profile_then_nothing_to_do(shipped) -> None:
    p = shipped["meetup-720p30"]
    c, first = _plan(p, {})
    assert set(first.files) == {"basic.ini", "streamEncoder.json", "service.json"}
    ini = op.parse_ini(first.files["basic.ini"])
    assert ini["General"]["Name"] == "meetcast-meetup-720p30"
    assert ini["Output"] == {"Mode": "Advanced", "DynamicBitrate": "true", "Reconnect": "true",
                             "RetryDelay": "2", "MaxRetries": "25"}
    assert ini["AdvOut"]["Encoder"] == "obs_x264" and ini["AdvOut"]["Track1Bitrate"] == "160"
    assert ini["Video"] == {"BaseCX": "1920", "BaseCY": "1080", "OutputCX": "1280",
                            "OutputCY": "720", "FPSType": "1", "FPSInt": "30",
                            "FPSCommon": "30", "ScaleType": "bicubic"}
    assert ini["Audio"] == {"SampleRate": "44100", "ChannelSetup": "Stereo"}  # carried
    assert json.loads(first.files["streamEncoder.json"]) == c.settings
    assert json.loads(first.files["service.json"]) == SERVICE
    # applying again over what was written changes nothing
    _, second = _plan(p, first.files)
    assert not second.changed and second.files == {} and second.changes == []


def test_obs_rewrite_and_user_keys_are_kept(shipped) -> None:
    """OBS saves basic.ini in its own layout and adds keys; neither is a change of ours."""
    p = shipped["low-bandwidth"]
    _, first = _plan(p, {})
    ini = op.parse_ini(first.files["basic.ini"])
    ini.setdefault("AdvOut", {})["RecFilePath"] = "/home/me/Videos"
    obs_style = "\n\n".join(
        f"[{s}]\n" + "\n".join(f"{k}={v}" for k, v in keys.items()) for s, keys in ini.items())
    existing = {**first.files, "basic.ini": obs_style,
                "streamEncoder.json": json.dumps(json.loads(first.files["streamEncoder.json"]))}
    _, again = _plan(p, existing)
    assert not again.changed
    # a GPU appears: only the encoder moves, the user's key stays
    _, gpu = _plan(p, existing, present=("obs_x264", "jim_nvenc"))
    assert set(gpu.files) == {"basic.ini", "streamEncoder.json"}
    merged = op.parse_ini(gpu.files["basic.ini"])
    assert merged["AdvOut"]["Encoder"] == "jim_nvenc"
    assert merged["AdvOut"]["RecFilePath"] == "/home/me/Videos"


def test_stream_key_never_in_the_log_lines(shipped) -> None:
    p = shipped["meetup-1080p30"]
    _, plan = _plan(p, {})
    text = " ".join(plan.changes) + op.describe_service(SERVICE)
    assert SECRET not in text and "with a stream key" in text
    assert op.describe_service(None) == "no stream service"
    assert op.service_to_carry("") is None and op.service_to_carry("{bad") is None
    assert op.service_to_carry('{"settings": {}}') is None  # no type: nothing to carry


def test_profile_folder_found_by_the_name_inside() -> None:
    inis = {"meetcastmeetup720p30": "[General]\nName=meetcast-meetup-720p30\n",
            "Untitled": "[General]\nName=Untitled\n", "noname": "[Video]\nBaseCX=1\n"}
    assert op.profile_dirs_named(inis, "meetcast-meetup-720p30") == ["meetcastmeetup720p30"]
    assert op.profile_dirs_named(inis, "noname") == ["noname"]
    assert op.profile_dirs_named(inis, "meetcast-low-bandwidth") == []
    inis["meetcast-meetup-720p30"] = "[General]\nName=meetcast-meetup-720p30\n"
    assert op.profile_dirs_named(inis, "meetcast-meetup-720p30") == [
        "meetcast-meetup-720p30", "meetcastmeetup720p30"]


def test_listing_and_use_resolution(shipped) -> None:
    rows = op.listing(["Untitled", "meetcast-meetup-720p30"], "meetcast-meetup-720p30",
                      list(shipped.values()))
    assert [r["name"] for r in rows] == ["meetcast-low-bandwidth", "meetcast-meetup-720p30",
                                         "meetcast-meetup-1080p30"]
    assert [r["current"] for r in rows] == [False, True, False]
    assert [r["in_obs"] for r in rows] == [False, True, False]
    assert op.resolve_use("meetup-720p30", ["meetcast-meetup-720p30"]) == \
        "meetcast-meetup-720p30"
    assert op.resolve_use("meetcast-meetup-720p30", ["meetcast-meetup-720p30"]) == \
        "meetcast-meetup-720p30"
    with pytest.raises(ValueError, match="OBS has no profile meetcast-x \\(OBS has: "
                                         "meetcast-meetup-720p30\\)"):
        op.resolve_use("x", ["Untitled", "meetcast-meetup-720p30"])
    with pytest.raises(ValueError, match="none yet"):
        op.resolve_use("x", ["Untitled"])
