"""The encoder choice, without OBS: every OS × OBS 28–31 id set, the keys each id reads, and
the reason text. Ids and keys below were read from obs-studio's sources at the tags named
(plugins/obs-ffmpeg, obs-nvenc, obs-qsv11, mac-videotoolbox; UI/window-basic-main-outputs.cpp),
not from meetcast's own tables, so a typo on either side shows."""

from __future__ import annotations

import pytest

from meetcast_core import encoders as enc
from meetcast_core.encoder_choice import NoEncoder, choose, encoder_settings
from meetcast_core.encoder_profiles import default_directory, from_data, load_all
from meetcast_core.obs_versions import parse_version

X264 = {"obs_x264"}
WIN_AMF = {"h264_texture_amf", "h264_fallback_amf"}
QSV_28 = {"obs_qsv11", "obs_qsv11_soft"}
QSV_29 = QSV_28 | {"obs_qsv11_v2", "obs_qsv11_soft_v2"}
NV_31 = {"obs_nvenc_h264_tex", "obs_nvenc_h264_soft", "jim_nvenc", "obs_nvenc_h264_cuda",
         "ffmpeg_nvenc"}
VT = {"com.apple.videotoolbox.videoencoder.ave.avc",
      "com.apple.videotoolbox.videoencoder.h264.gva"}

# (os, release) → every H.264 id that OBS can register there (given the hardware).
EXPECTED: dict[tuple[str, tuple[int, int]], set[str]] = {
    ("windows", (28, 0)): X264 | WIN_AMF | QSV_28 | {"jim_nvenc", "ffmpeg_nvenc"},
    ("windows", (28, 1)): X264 | WIN_AMF | QSV_28 | {"jim_nvenc", "ffmpeg_nvenc"},
    ("windows", (29, 0)): X264 | WIN_AMF | QSV_29 | {"jim_nvenc", "ffmpeg_nvenc"},
    ("windows", (30, 0)): X264 | WIN_AMF | QSV_29 | {"jim_nvenc", "ffmpeg_nvenc"},
    ("windows", (30, 2)): X264 | WIN_AMF | QSV_29 | {"jim_nvenc", "ffmpeg_nvenc",
                                                     "obs_nvenc_h264_cuda"},
    ("windows", (31, 0)): X264 | WIN_AMF | QSV_29 | NV_31,
    ("linux", (28, 0)): X264 | {"ffmpeg_nvenc", "ffmpeg_vaapi"},
    ("linux", (28, 1)): X264 | {"ffmpeg_nvenc", "ffmpeg_vaapi"},
    ("linux", (29, 0)): X264 | {"ffmpeg_nvenc", "ffmpeg_vaapi"},
    ("linux", (30, 0)): X264 | QSV_29 | {"ffmpeg_nvenc", "ffmpeg_vaapi"},
    ("linux", (30, 2)): X264 | QSV_29 | {"jim_nvenc", "ffmpeg_nvenc", "obs_nvenc_h264_cuda",
                                         "ffmpeg_vaapi", "ffmpeg_vaapi_tex"},
    ("linux", (31, 0)): X264 | QSV_29 | NV_31 | {"ffmpeg_vaapi", "ffmpeg_vaapi_tex"},
    **{("macos", v): X264 | VT for v in enc.RELEASES},
}


@pytest.fixture(scope="module")
def shipped():
    return {p.name: p for p in load_all(default_directory())}


@pytest.mark.parametrize("os_name,version", sorted(EXPECTED))
def test_known_ids_per_os_and_version(os_name, version) -> None:
    assert enc.known_ids(os_name, version) == EXPECTED[(os_name, version)]


def test_versions_between_releases_behave_like_the_one_before() -> None:
    assert enc.known_ids("windows", (29, 1)) == EXPECTED[("windows", (29, 0))]
    assert enc.known_ids("linux", (30, 1)) == EXPECTED[("linux", (30, 0))]
    assert enc.known_ids("linux", (32, 0)) == EXPECTED[("linux", (31, 0))]
    assert parse_version("29.0.2.1-1+b1") == (29, 0)   # what Debian's OBS reports
    assert parse_version("31.1.0-beta1") == (31, 1)
    with pytest.raises(ValueError):
        parse_version("unknown")


# Realistic machines: which hardware families are present, and what meetcast must pick.
MACHINES = {
    "windows": {("nvenc",): "nvenc", ("amf",): "amf", ("qsv",): "qsv", ("qsv", "nvenc"): "nvenc",
                (): "x264"},
    "linux": {("nvenc",): "nvenc", ("vaapi",): "vaapi", ("qsv", "vaapi"): "qsv", (): "x264"},
    "macos": {("videotoolbox",): "videotoolbox", (): "x264"},
}
VT_AVC = "com.apple.videotoolbox.videoencoder.ave.avc"


def _best(family: str, os_name: str, version: tuple[int, int]) -> str:
    """The id OBS itself uses for that family (UI/window-basic-main-outputs.cpp)."""
    if family == "nvenc":
        if version >= (31, 0):
            return "obs_nvenc_h264_tex"
        # Windows: jim_nvenc when available; Linux had only FFmpeg's NVENC before 30.2
        return "jim_nvenc" if os_name == "windows" or version >= (30, 2) else "ffmpeg_nvenc"
    if family == "qsv":
        return "obs_qsv11" if version < (29, 0) else "obs_qsv11_v2"
    if family == "vaapi":
        return "ffmpeg_vaapi_tex" if version >= (30, 2) else "ffmpeg_vaapi"
    return {"amf": "h264_texture_amf", "videotoolbox": VT_AVC, "x264": "obs_x264"}[family]


@pytest.mark.parametrize("version", enc.RELEASES)
@pytest.mark.parametrize("os_name", enc.OSES)
def test_choice_on_every_machine(shipped, os_name, version) -> None:
    p = shipped["meetup-720p30"]
    for families, want in MACHINES[os_name].items():
        if want == "qsv" and os_name == "linux" and version < (30, 0):
            want = "vaapi"  # QSV reached Linux in OBS 30.0
        present = enc.machine_ids(os_name, version, families)
        c = choose(p, present, version)
        assert c.family == want, (os_name, version, families)
        assert c.encoder_id == _best(want, os_name, version), (os_name, version, families)
        assert c.settings["bitrate"] == 3000 and c.settings["keyint_sec"] == 2
        assert c.settings["rate_control"] == "CBR"
        if want == "x264":
            assert c.reason == ("NVENC, AMD AMF, Intel QSV, Apple VideoToolbox, VAAPI absent "
                                "→ x264 veryfast")


def test_nvenc_keys_follow_the_renames(shipped) -> None:
    p = shipped["meetup-720p30"]
    s29 = encoder_settings(p, "nvenc", "jim_nvenc", (29, 0))
    assert s29["preset2"] == "p5" and s29["psycho_aq"] is True
    assert "preset" not in s29 and "adaptive_quantization" not in s29
    assert s29["tune"] == "hq" and s29["multipass"] == "qres" and s29["bf"] == 2
    s31 = encoder_settings(p, "nvenc", "obs_nvenc_h264_tex", (31, 0))
    assert s31["preset"] == "p5" and s31["adaptive_quantization"] is True
    assert "preset2" not in s31 and "psycho_aq" not in s31
    # 31's jim_nvenc is a compat alias that migrates preset2/psycho_aq itself
    s31_alias = encoder_settings(p, "nvenc", "jim_nvenc", (31, 0))
    assert s31_alias["preset2"] == "p5" and s31_alias["psycho_aq"] is True
    # 28.0 knew only the old presets: two-pass quality is "mq"
    s28 = encoder_settings(p, "nvenc", "jim_nvenc", (28, 0))
    assert s28["preset"] == "mq" and "preset2" not in s28 and "tune" not in s28
    assert encoder_settings(p, "nvenc", "jim_nvenc", (28, 1))["preset2"] == "p5"


def test_qsv_vaapi_vt_amf_x264_keys(shipped) -> None:
    p = shipped["meetup-720p30"]
    assert encoder_settings(p, "qsv", "obs_qsv11_v2", (29, 0))["target_usage"] == "balanced"
    assert encoder_settings(p, "qsv", "obs_qsv11_v2", (30, 0))["target_usage"] == "TU4"
    assert encoder_settings(p, "qsv", "obs_qsv11_v2", (31, 0))["bframes"] == 3
    va = encoder_settings(p, "vaapi", "ffmpeg_vaapi", (29, 0))
    assert va["profile"] == 100 and va["bf"] == 0          # FF_PROFILE_H264_HIGH
    assert encoder_settings(p, "videotoolbox", VT_AVC, (29, 0))["rate_control"] == "CBR"
    gva = encoder_settings(p, "videotoolbox", "com.apple.videotoolbox.videoencoder.h264.gva",
                           (29, 0))
    assert gva["rate_control"] == "ABR"  # CBR is Apple-silicon only
    amf = encoder_settings(p, "amf", "h264_texture_amf", (29, 0))
    assert amf["preset"] == "quality" and amf["profile"] == "high"
    x = encoder_settings(p, "x264", "obs_x264", (29, 0))
    assert x == {"rate_control": "CBR", "bitrate": 3000, "keyint_sec": 2,
                 "preset": "veryfast", "profile": "main", "tune": "",
                 "x264opts": "scenecut=0", "use_bufsize": False}


def test_hardware_first_reason_and_missing_fallback(shipped) -> None:
    p = shipped["meetup-1080p30"]
    c = choose(p, {"obs_x264", "jim_nvenc", "ffmpeg_nvenc"}, (29, 0))
    assert c.encoder_id == "jim_nvenc"
    assert c.reason == "NVENC present (jim_nvenc) → NVENC p5 hq"
    c = choose(p, {"obs_x264", "h264_texture_amf"}, (30, 0))
    assert c.reason == "NVENC absent → AMD AMF quality"
    gpu_only = from_data("gpu-only", {**_yaml(p), "encoders": ["nvenc"]}, "gpu-only.yaml")
    with pytest.raises(NoEncoder, match="none of its encoders \\(NVENC\\) is present"):
        choose(gpu_only, {"obs_x264"}, (29, 0))


def _yaml(p) -> dict:
    return {"description": p.description,
            "canvas": {"width": p.canvas.width, "height": p.canvas.height},
            "output": {"width": p.output.width, "height": p.output.height},
            "fps": p.fps, "rate_control": p.rate_control, "video_kbps": p.video_kbps,
            "audio_kbps": p.audio_kbps, "keyframe_sec": p.keyframe_sec,
            "encoders": list(p.encoders)}


def test_unknown_os_and_family_are_refused() -> None:
    with pytest.raises(ValueError, match="allowed: windows, macos, linux"):
        enc.known_ids("beos", (29, 0))
    with pytest.raises(ValueError, match="unknown encoder family"):
        enc.family_ids("quicksync", "linux", (29, 0))


@pytest.mark.parametrize(("encoder_id", "macos", "rc"), [
    (VT_AVC, (13, 0), "CBR"), (VT_AVC, (14, 5), "CBR"), (VT_AVC, None, "CBR"),
    (VT_AVC, (12, 7), "ABR"),       # Apple silicon on macOS 12: OBS would encode ABR anyway
    ("com.apple.videotoolbox.videoencoder.h264.gva", (14, 0), "ABR"),   # an Intel Mac
])
@pytest.mark.parametrize("version", [(28, 0), (30, 2), (32, 2)])
def test_videotoolbox_cbr_needs_macos_13_as_well_as_apple_silicon(shipped, encoder_id, macos,
                                                                   rc, version) -> None:
    """mac-videotoolbox/encoder.c (28.0.0 to 32.2.2): kVTCompressionPropertyKey_ConstantBitRate
    only under __builtin_available(macOS 13.0) and is_apple_silicon; else a warning and ABR."""
    p = shipped["meetup-720p30"]
    s = encoder_settings(p, "videotoolbox", encoder_id, version, macos)
    assert s["rate_control"] == rc and s["bitrate"] == p.video_kbps
    c = choose(p, {"obs_x264", encoder_id}, version, macos=macos)
    assert c.encoder_id == encoder_id and c.settings["rate_control"] == rc
