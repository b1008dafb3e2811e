"""The OBS profile meetcast writes for one encoding profile, as plain text and data.

A complete OBS profile is a folder with ``basic.ini`` (output mode, encoder id, video sizes,
fps, reconnect), ``streamEncoder.json`` (the encoder's settings, read at every stream start
in Advanced mode) and ``service.json`` (server and stream key). meetcast only ever sets the
keys listed in :func:`desired_ini`; every other key in an existing ``basic.ini`` (recording
path, hotkeys, audio devices…) is kept, and a file whose keys already match is not rewritten,
so applying twice changes nothing.

OBS's own ini format: ``[Section]`` lines and ``Key=Value`` lines, keys case-sensitive, no
comments, UTF-8 (Windows builds may write a BOM). A tiny order-preserving parser is used
rather than configparser, which lower-cases keys and reflows the file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .encoder_choice import Choice
from .encoder_profiles import EncoderProfile
from .names import PROFILE_PREFIX, profile_name

Ini = dict[str, dict[str, str]]  # section -> key -> value, insertion-ordered

# Kept from the profile the user had: OBS asks to restart (a modal dialog) when a profile
# switch changes these (UI/window-basic-main-profiles.cpp, ProfileNeedsRestart).
CARRIED_AUDIO_KEYS: tuple[str, ...] = ("SampleRate", "ChannelSetup")


def parse_ini(text: str) -> Ini:
    ini: Ini = {}
    section: dict[str, str] | None = None
    for raw in text.lstrip("\ufeff").splitlines():
        line = raw.strip()
        if not line or line.startswith((";", "#")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = ini.setdefault(line[1:-1], {})
        elif "=" in line and section is not None:
            key, _, value = line.partition("=")
            section[key.strip()] = value.strip()
    return ini


def format_ini(ini: Ini) -> str:
    out: list[str] = []
    for name, keys in ini.items():
        out.append(f"[{name}]")
        out.extend(f"{k}={v}" for k, v in keys.items())
        out.append("")
    return "\n".join(out)


def _ini_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def desired_ini(profile: EncoderProfile, choice: Choice, obs_name: str,
                carried_audio: Mapping[str, str] | None = None) -> Ini:
    """The ``basic.ini`` keys meetcast owns in ``meetcast-<profile>``."""
    ini: dict[str, dict[str, Any]] = {
        "General": {"Name": obs_name},
        "Output": {
            "Mode": "Advanced",
            # Lower the bitrate when the network congests instead of dropping frames.
            "DynamicBitrate": True,
            # Auto-reconnect after a network drop (OBS's defaults, made explicit).
            "Reconnect": True, "RetryDelay": 2, "MaxRetries": 25,
        },
        "AdvOut": {
            "Encoder": choice.encoder_id,
            "TrackIndex": 1,
            "Track1Bitrate": profile.audio_kbps,
            "UseRescale": False,             # scaling is the [Video] output size
            "ApplyServiceSettings": True,    # let YouTube/Twitch clamp to their limits
        },
        "Video": {
            "BaseCX": profile.canvas.width, "BaseCY": profile.canvas.height,
            "OutputCX": profile.output.width, "OutputCY": profile.output.height,
            "FPSType": 1, "FPSInt": profile.fps, "FPSCommon": profile.fps,
            "ScaleType": profile.scale_filter,
        },
    }
    audio = {k: v for k, v in (carried_audio or {}).items() if k in CARRIED_AUDIO_KEYS and v}
    if audio:
        ini["Audio"] = dict(audio)
    return {s: {k: _ini_value(v) for k, v in keys.items()} for s, keys in ini.items()}


@dataclass(frozen=True)
class IniChange:
    section: str
    key: str
    old: str | None
    new: str


def ini_changes(existing: Ini, desired: Ini) -> list[IniChange]:
    """The owned keys whose value differs (FPSType "1" vs "1": equal; absent: a change)."""
    out = []
    for section, keys in desired.items():
        have = existing.get(section, {})
        for key, value in keys.items():
            if have.get(key) != value:
                out.append(IniChange(section, key, have.get(key), value))
    return out


def merge_ini(existing: Ini, desired: Ini) -> Ini:
    """``existing`` with every owned key set; all other keys and their order kept."""
    merged: Ini = {s: dict(keys) for s, keys in existing.items()}
    for section, keys in desired.items():
        merged.setdefault(section, {}).update(keys)
    return merged


def carried_audio(home_ini: Ini) -> dict[str, str]:
    audio = home_ini.get("Audio", {})
    return {k: audio[k] for k in CARRIED_AUDIO_KEYS if audio.get(k)}


def profile_display_name(ini: Ini, dir_name: str) -> str:
    """The name OBS lists a profile under: ``[General] Name``, else its folder name."""
    return ini.get("General", {}).get("Name") or dir_name


def profile_dirs_named(basic_inis: Mapping[str, str], name: str) -> list[str]:
    """The folders (of ``{folder: basic.ini text}``) holding the profile OBS calls ``name``,
    sorted; more than one means OBS would pick one of them unpredictably.

    OBS names the folder itself when it creates a profile (``meetcast-x`` → ``meetcastx``),
    so folders are matched by the name inside, as OBS's own profile scan does.
    """
    return [d for d, text in sorted(basic_inis.items())
            if profile_display_name(parse_ini(text), d) == name]


def encoder_json(choice: Choice) -> str:
    return json.dumps(choice.settings, indent=4, sort_keys=True)


def json_same(existing_text: str | None, wanted: Mapping[str, Any]) -> bool:
    """True when ``existing_text`` parses to exactly ``wanted`` (formatting ignored)."""
    if existing_text is None:
        return False
    try:
        return json.loads(existing_text) == dict(wanted)
    except ValueError:
        return False


def service_to_carry(service_text: str | None) -> dict[str, Any] | None:
    """The user's ``service.json`` as data, or None when there is none worth carrying."""
    if not service_text:
        return None
    try:
        data = json.loads(service_text)
    except ValueError:
        return None
    if not isinstance(data, dict) or not data.get("type"):
        return None
    return data


def describe_service(service: Mapping[str, Any] | None) -> str:
    """For logs: the service type and server, never the key."""
    if not service:
        return "no stream service"
    settings = service.get("settings") or {}
    where = settings.get("server") or settings.get("service") or "?"
    has_key = "with a stream key" if settings.get("key") else "without a stream key"
    return f"{service.get('type')} → {where} ({has_key})"


# --- the files of one profile --------------------------------------------------------------

BASIC_INI = "basic.ini"
STREAM_ENCODER = "streamEncoder.json"
SERVICE = "service.json"


@dataclass(frozen=True)
class ProfileWrite:
    """What to write into one OBS profile folder: only the files whose content changes."""

    obs_name: str
    files: dict[str, str]
    changes: list[str]  # for the log: keys and file names, never a value of service.json

    @property
    def changed(self) -> bool:
        return bool(self.files)


def plan_files(profile: EncoderProfile, choice: Choice, obs_name: str,
               existing: Mapping[str, str | None], service: Mapping[str, Any] | None,
               audio: Mapping[str, str] | None = None) -> ProfileWrite:
    """The files of ``meetcast-<profile>`` given what its folder holds now (None = absent).

    ``service`` is the user's stream service to carry over; None leaves ``service.json`` as
    it is (OBS then keeps whatever that profile had).
    """
    files: dict[str, str] = {}
    changes: list[str] = []
    have = parse_ini(existing.get(BASIC_INI) or "")
    want = desired_ini(profile, choice, obs_name, audio)
    diff = ini_changes(have, want)
    if diff:
        files[BASIC_INI] = format_ini(merge_ini(have, want))
        changes.extend(f"{c.section}.{c.key}={c.new}" for c in diff)
    if not json_same(existing.get(STREAM_ENCODER), choice.settings):
        files[STREAM_ENCODER] = encoder_json(choice)
        changes.append(f"{STREAM_ENCODER} ({choice.encoder_id})")
    if service is not None and not json_same(existing.get(SERVICE), service):
        files[SERVICE] = json.dumps(dict(service), indent=4, sort_keys=True)
        changes.append(f"{SERVICE} ({describe_service(service)})")
    return ProfileWrite(obs_name, files, changes)


# --- what the controller shows and accepts ------------------------------------------------

def listing(obs_profiles: list[str], current: str,
            profiles: list[EncoderProfile]) -> list[dict[str, Any]]:
    """One row per meetcast encoding profile (a profile file here), lowest bitrate first:
    whether OBS has its ``meetcast-<name>`` profile and whether that is current."""
    rows = []
    for p in sorted(profiles, key=lambda p: (p.video_kbps, p.name)):
        rows.append({"name": p.obs_profile, "profile": p.name, "in_obs": p.obs_profile in
                     obs_profiles, "current": p.obs_profile == current,
                     "output": str(p.output), "fps": p.fps, "video_kbps": p.video_kbps,
                     "audio_kbps": p.audio_kbps, "description": p.description})
    return rows


def resolve_use(name: str, obs_profiles: list[str]) -> str:
    """``meetup-720p30`` or ``meetcast-meetup-720p30`` → the OBS profile name; ValueError with
    the one line to show when OBS has no such meetcast profile."""
    full = name if name.startswith(PROFILE_PREFIX) else profile_name(name)
    if full in obs_profiles:
        return full
    ours = [p for p in obs_profiles if p.startswith(PROFILE_PREFIX)]
    hint = (f" (OBS has: {', '.join(ours)})" if ours else
            " (none yet: in OBS, Tools → Scripts → meetcast → Encoder profile → Apply, once)")
    raise ValueError(f"OBS has no profile {full}{hint}")
