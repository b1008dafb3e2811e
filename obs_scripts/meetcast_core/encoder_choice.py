"""Which encoder a profile gets on this machine, its exact OBS settings, and why.

A pure function of (profile, encoder ids OBS registered, OBS version, and on a Mac the macOS
version) so the same answer shows in the script's Properties, in OBS's log, in ``meetcast
profile list`` and in the tests, without a GPU. OBS only registers a hardware encoder after
its own device check, so an id being present means that encoder can run here (see
:func:`encoders.known_ids`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import encoders as enc
from .encoder_profiles import EncoderProfile
from .obs_versions import fact


class NoEncoder(ValueError):
    """None of the profile's preferred encoders is present (one line, for the user)."""


@dataclass(frozen=True)
class Choice:
    profile: str
    encoder_id: str
    family: str
    settings: dict[str, Any]   # streamEncoder.json, exactly
    detail: str                # "x264 veryfast", "NVENC p5"
    reason: str                # "NVENC, AMD AMF … absent → x264 veryfast"

    @property
    def label(self) -> str:
        return enc.LABELS[self.family]


def present_candidates(family: str, present: Iterable[str]) -> list[str]:
    have = set(present)
    return [i for i in enc.CANDIDATES[family] if i in have]


def choose(profile: EncoderProfile, present: Iterable[str], version: enc.Version,
           macos: enc.Version | None = None) -> Choice:
    """The first family in ``profile.encoders`` with an id in ``present``; raises
    :class:`NoEncoder` when none is (only possible when a profile leaves out x264).
    ``macos``: the Mac's (major, minor) where known (see :func:`encoder_settings`)."""
    present = set(present)
    absent: list[str] = []
    for family in profile.encoders:
        ids = present_candidates(family, present)
        if not ids:
            absent.append(enc.LABELS[family])
            continue
        encoder_id = ids[0]
        settings = encoder_settings(profile, family, encoder_id, version, macos)
        detail = _detail(profile, family)
        if absent:
            reason = f"{', '.join(absent)} absent → {detail}"
        elif family == enc.X264:
            reason = f"x264 is first in the profile's preference → {detail}"
        else:
            reason = f"{enc.LABELS[family]} present ({encoder_id}) → {detail}"
        return Choice(profile.name, encoder_id, family, settings, detail, reason)
    raise NoEncoder(f"{profile.name}: none of its encoders ({', '.join(absent)}) is present "
                    "in this OBS (add x264 to the profile's encoders as the fallback)")


def _detail(profile: EncoderProfile, family: str) -> str:
    opts = profile.settings[family]
    if family == enc.X264:
        return f"x264 {opts['preset']}"
    if family == enc.NVENC:
        return f"NVENC {opts['preset']} {opts['tune']}"
    if family == enc.AMF:
        return f"AMD AMF {opts['preset']}"
    if family == enc.QSV:
        return f"Intel QSV {opts['target_usage']}"
    return enc.LABELS[family]


_PROFILE_VAAPI = {"constrained_baseline": 578, "main": 77, "high": 100}  # FF_PROFILE_H264_*
_QSV_TU = {"quality": "TU1", "balanced": "TU4", "speed": "TU7"}


def _legacy_nvenc_preset(opts: dict[str, Any]) -> str:
    """OBS 28.0's NVENC knew only hq/mq/hp/llhq; the closest to the p-preset options."""
    if opts["tune"] in ("ll", "ull"):
        return "llhq"
    if opts["multipass"] != "disabled":
        return "mq"
    if opts["preset"] in ("p1", "p2"):
        return "hp"
    return "hq"


def videotoolbox_cbr(encoder_id: str, version: enc.Version, macos: enc.Version | None) -> bool:
    """Whether VideoToolbox really encodes CBR: Apple silicon AND macOS 13 (fact
    ``videotoolbox_cbr_min_macos``); elsewhere OBS logs a warning and silently encodes ABR, so
    meetcast asks for ABR at the same average itself and says so. ``macos`` None (not read)
    trusts the encoder id alone."""
    if encoder_id != enc.VT_APPLE_SILICON:
        return False
    return macos is None or tuple(macos) >= fact("videotoolbox_cbr_min_macos", version)


def encoder_settings(profile: EncoderProfile, family: str, encoder_id: str,
                     version: enc.Version, macos: enc.Version | None = None) -> dict[str, Any]:
    """The exact ``streamEncoder.json`` for ``encoder_id`` in OBS ``version`` (on macOS
    ``macos``: the Mac's version, which VideoToolbox's CBR depends on)."""
    opts = profile.settings[family]
    base: dict[str, Any] = {"rate_control": profile.rate_control,
                            "bitrate": profile.video_kbps,
                            "keyint_sec": profile.keyframe_sec}
    if family == enc.X264:
        return {**base, "preset": opts["preset"], "profile": opts["profile"],
                "tune": opts["tune"],
                # Without this x264 adds IDR frames at every scene cut (measured: keyframe
                # gaps of 1.1–1.3 s at 1080p), breaking the ingests' fixed 2 s cadence.
                "x264opts": "" if opts["scenecut"] else "scenecut=0",
                "use_bufsize": False}
    if family == enc.NVENC:
        keys = enc.key_names(encoder_id, version)
        out = {**base, "profile": opts["profile"], "bf": opts["bframes"],
               "lookahead": opts["lookahead"]}
        if keys.legacy_nvenc_preset:
            out["preset"] = _legacy_nvenc_preset(opts)
        else:
            out[keys.preset] = opts["preset"]
            out["tune"] = opts["tune"]
            out["multipass"] = opts["multipass"]
        out[keys.aq] = opts["adaptive_quantization"]
        return out
    if family == enc.AMF:
        return {**base, "preset": opts["preset"], "profile": opts["profile"],
                "bf": opts["bframes"]}
    if family == enc.QSV:
        keys = enc.key_names(encoder_id, version)
        usage = _QSV_TU[opts["target_usage"]] if keys.qsv_usage_tu else opts["target_usage"]
        return {**base, "target_usage": usage, "profile": opts["profile"],
                "bframes": opts["bframes"]}
    if family == enc.VIDEOTOOLBOX:
        # VideoToolbox does CBR only on Apple silicon with macOS 13+ (mac-videotoolbox/
        # encoder.c); elsewhere ABR at the same average.
        rc = "CBR" if videotoolbox_cbr(encoder_id, version, macos) else "ABR"
        return {**base, "rate_control": rc, "profile": opts["profile"],
                "bframes": opts["bframes"]}
    if family == enc.VAAPI:
        return {**base, "profile": _PROFILE_VAAPI[opts["profile"]], "bf": opts["bframes"],
                "maxrate": 0}
    raise ValueError(f"unknown encoder family {family!r}")


def choose_all(profiles: Iterable[EncoderProfile], present: Iterable[str],
               version: enc.Version, macos: enc.Version | None = None) -> dict[str, Choice]:
    present = set(present)
    return {p.name: choose(p, present, version, macos) for p in profiles}
