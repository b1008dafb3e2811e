"""Encoder profiles inside OBS: probe the encoders, write ``meetcast-<profile>`` OBS profiles,
switch to the chosen one.

When does OBS switch? Only when the user asks: the "Apply" button in the script's Properties,
or (opt-in, off by default) once when OBS starts. Choosing a profile in the list only shows
which encoder it will get; loading the script, reloading it or opening its Properties never
switches, and nothing switches while OBS streams or records (a profile switch rebuilds the
outputs, which would cut the stream).

All decisions are in ``meetcast_core`` (encoder_choice, obs_profile); this reads OBS and the
profile folders, and writes them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import obspython as obs

from meetcast_core import encoders as enc
from meetcast_core import obs_profile as op
from meetcast_core.encoder_choice import Choice, NoEncoder, choose
from meetcast_core.encoder_profiles import EncoderProfile, default_directory, load_all
from meetcast_core.schema import SchemaError

from . import frontend_c, state
from .obsutil import info, warn

KEY_PROFILE = "enc_profile"
KEY_APPLY_AT_START = "enc_apply_at_start"
KEY_HOME = "enc_home_profile"   # the user's own profile, to go back through when re-applying
PROP_STATUS = "enc_status"
PROP_APPLY = "enc_apply"
DEFAULT_PROFILE = "meetup-720p30"

_started = False           # apply-at-start runs once per OBS process, not per collection
_last_result = ""          # shown in Properties


# --- reading OBS ---------------------------------------------------------------------------

def obs_version() -> enc.Version:
    try:
        return enc.parse_version(obs.obs_get_version_string())
    except ValueError:
        return (29, 0)


def present_encoders() -> set[str]:
    """The known H.264 ids this OBS registered (None codec = not registered)."""
    return {i for i in enc.ALL_IDS if obs.obs_get_encoder_codec(i)}


def load_profiles() -> list[EncoderProfile]:
    return load_all(default_directory(Path(__file__).resolve().parents[1] / "meetcast_core"))


def choices(profiles: list[EncoderProfile]) -> dict[str, Choice | str]:
    """Profile name → its Choice, or the one-line reason none fits."""
    present, version = present_encoders(), obs_version()
    out: dict[str, Choice | str] = {}
    for p in profiles:
        try:
            out[p.name] = choose(p, present, version)
        except NoEncoder as exc:
            out[p.name] = str(exc)
    return out


def profiles_root() -> Path | None:
    path = frontend_c.current_profile_path()
    return Path(path).parent if path else None


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError:
        return None


def profile_dirs(root: Path) -> dict[str, str]:
    """``{folder: basic.ini text}`` for every profile folder OBS would list."""
    out = {}
    for d in sorted(root.iterdir()) if root.is_dir() else []:
        text = _read(d / op.BASIC_INI)
        if text is not None:
            out[d.name] = text
    return out


def live_reason() -> str | None:
    if obs.obs_frontend_streaming_active():
        return "OBS is streaming"
    if obs.obs_frontend_recording_active():
        return "OBS is recording"
    return None


# --- writing -------------------------------------------------------------------------------

def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".meetcast-tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _folder_for(root: Path, obs_name: str) -> Path:
    found = op.find_profile_dir(profile_dirs(root), obs_name)
    if found:
        return root / found
    folder = root / obs_name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _write_profile(root: Path, profile: EncoderProfile, choice: Choice,
                   service: dict | None, audio: dict[str, str]) -> op.ProfileWrite:
    folder = _folder_for(root, profile.obs_profile)
    existing = {name: _read(folder / name)
                for name in (op.BASIC_INI, op.STREAM_ENCODER, op.SERVICE)}
    plan = op.plan_files(profile, choice, profile.obs_profile, existing, service, audio)
    for name, text in plan.files.items():
        _write_atomic(folder / name, text)
    return plan


def apply(chosen_name: str) -> str:
    """Write every meetcast profile and switch OBS to ``meetcast-<chosen_name>``.

    Returns the one-line result (also logged). Nothing is written when a profile file is
    invalid, no encoder fits, or OBS is live.
    """
    if (why := live_reason()) is not None:
        return _result(f"not switching to {chosen_name}: {why} — stop it first "
                       "(a profile switch rebuilds the outputs and would cut the stream)", warn)
    try:
        profiles = load_profiles()
    except SchemaError as exc:
        return _result(f"not applied: {exc}", warn)
    by_name = {p.name: p for p in profiles}
    if chosen_name not in by_name:
        return _result(f"not applied: no profile {chosen_name!r} "
                       f"(allowed: {', '.join(by_name)})", warn)
    found = choices(profiles)
    bad = [c for c in found.values() if isinstance(c, str)]
    if bad:
        return _result("not applied: " + "; ".join(bad), warn)
    picked = {n: c for n, c in found.items() if isinstance(c, Choice)}
    root = profiles_root()
    if root is None:
        return _result("not applied: this OBS does not tell scripts where its profiles are "
                       "(obs_frontend_get_current_profile_path)", warn)

    ours = {p.obs_profile for p in profiles}
    chosen = by_name[chosen_name]
    current = obs.obs_frontend_get_current_profile()
    home_dir = root / (op.find_profile_dir(profile_dirs(root), current) or current)
    service = op.service_to_carry(_read(home_dir / op.SERVICE))
    audio = op.carried_audio(op.parse_ini(_read(home_dir / op.BASIC_INI) or ""))
    settings = state.settings
    if current not in ours and settings is not None:
        obs.obs_data_set_string(settings, KEY_HOME, current)
    home = obs.obs_data_get_string(settings, KEY_HOME) if settings is not None else ""
    c = picked[chosen_name]
    info(f"applying {chosen_name}: {c.encoder_id} ({c.reason}); stream service carried "
         f"from profile “{current}”: {op.describe_service(service)}")

    known = obs.obs_frontend_get_profiles() or []
    chosen_exists = chosen.obs_profile in known
    others = [n for n in [home, *known] if n and n in known and n != chosen.obs_profile]
    others = list(dict.fromkeys(sorted(others, key=lambda n: n in ours)))  # user's first
    changed: list[str] = []
    missing = [p for p in profiles if p is not chosen and p.obs_profile not in known]
    steps = op.plan_switch(current, chosen.obs_profile, chosen_exists,
                           _would_change(root, chosen, c, service, audio), others,
                           new_folders=bool(missing))
    switches = [s.profile for s in steps if s.action == "switch"]
    for step in steps:
        if step.action == "create":
            info(f"creating OBS profile {step.profile}")
            frontend_c.create_profile(step.profile)
            if obs.obs_frontend_get_current_profile() != step.profile:
                return _result(f"not applied: OBS did not create profile {step.profile}", warn)
        elif step.action == "write":
            for p in profiles:
                try:
                    w = _write_profile(root, p, picked[p.name], service, audio)
                except OSError as exc:  # each file is replaced whole: none is half-written
                    return _result(f"not applied: cannot write {p.obs_profile}: "
                                   f"{exc.strerror or exc}", warn)
                if w.changed:
                    changed.append(p.name)
                    info(f"wrote {w.obs_name}: {', '.join(w.changes)}")
            if switches:
                # Logged before switching: after a nested profile switch OBS's script log
                # no longer knows which script is talking ("[Unknown Script]").
                info(f"switching OBS to {chosen.obs_profile}: {c.encoder_id}, "
                     f"{chosen.output}@{chosen.fps} fps, {chosen.video_kbps}+"
                     f"{chosen.audio_kbps} kbps, keyframe every {chosen.keyframe_sec} s")
        elif step.action == "switch":
            obs.obs_frontend_set_current_profile(step.profile)
    now = obs.obs_frontend_get_current_profile()
    if now != chosen.obs_profile:
        return _result(f"could not switch to {chosen.obs_profile} (OBS stayed on “{now}”); "
                       "restart OBS once so it lists the new profiles", warn)
    if not switches and chosen_name in changed:
        return _result(f"wrote {chosen.obs_profile}; it takes effect when OBS restarts "
                       "(no other profile to switch through)", warn)
    if not switches:
        also = f" (updated {', '.join(changed)})" if changed else ""
        return _result(f"{chosen.obs_profile} already applied ({c.encoder_id}, "
                       f"{chosen.output}@{chosen.fps}, {chosen.video_kbps} kbps): "
                       f"nothing changed{also}")
    return _result(f"switched to {chosen.obs_profile}: {c.encoder_id} ({c.reason})")


def _would_change(root: Path, profile: EncoderProfile, choice: Choice, service: dict | None,
                  audio: dict[str, str]) -> bool:
    found = op.find_profile_dir(profile_dirs(root), profile.obs_profile)
    if not found:
        return True
    folder = root / found
    existing = {name: _read(folder / name)
                for name in (op.BASIC_INI, op.STREAM_ENCODER, op.SERVICE)}
    return op.plan_files(profile, choice, profile.obs_profile, existing, service,
                         audio).changed


def _result(text: str, log=info) -> str:
    global _last_result
    _last_result = text
    log(text)
    return text


# --- hooks ---------------------------------------------------------------------------------

def defaults(settings: Any) -> None:
    obs.obs_data_set_default_string(settings, KEY_PROFILE, DEFAULT_PROFILE)
    obs.obs_data_set_default_bool(settings, KEY_APPLY_AT_START, False)


def _status_text(profiles: list[EncoderProfile], picked: dict[str, Choice | str]) -> str:
    current = obs.obs_frontend_get_current_profile()
    lines = [f"OBS profile now: {current}"]
    for p in profiles:
        c = picked[p.name]
        what = f"{c.encoder_id} — {c.reason}" if isinstance(c, Choice) else c
        lines.append(f"{p.name}: {p.output}@{p.fps}, {p.video_kbps} kbps → {what}")
    if _last_result:
        lines.append(f"Last apply: {_last_result}")
    return "\n".join(lines)


def properties(props: Any, settings: Any) -> None:
    group = obs.obs_properties_create()
    try:
        profiles = load_profiles()
    except SchemaError as exc:
        obs.obs_properties_add_text(group, PROP_STATUS, f"Encoder profiles: {exc}",
                                    obs.OBS_TEXT_INFO)
        obs.obs_properties_add_group(props, "enc_group", "Encoder profile",
                                     obs.OBS_GROUP_NORMAL, group)
        return
    lst = obs.obs_properties_add_list(group, KEY_PROFILE, "Profile", obs.OBS_COMBO_TYPE_LIST,
                                      obs.OBS_COMBO_FORMAT_STRING)
    for p in profiles:
        obs.obs_property_list_add_string(lst, f"{p.name} — {p.description}", p.name)
    obs.obs_properties_add_text(group, PROP_STATUS, _status_text(profiles, choices(profiles)),
                                obs.OBS_TEXT_INFO)
    obs.obs_properties_add_button(group, PROP_APPLY, "Apply: write meetcast profiles and "
                                  "switch OBS to this one", _on_apply_clicked)
    obs.obs_properties_add_bool(group, KEY_APPLY_AT_START,
                                "Also apply when OBS starts (never while live)")
    obs.obs_properties_add_group(props, "enc_group", "Encoder profile",
                                 obs.OBS_GROUP_NORMAL, group)


def _on_apply_clicked(props: Any, prop: Any) -> bool:
    if state.settings is None:
        return False
    apply(obs.obs_data_get_string(state.settings, KEY_PROFILE))
    try:
        profiles = load_profiles()
        status = obs.obs_properties_get(props, PROP_STATUS)
        if status is not None:
            obs.obs_property_set_description(status, _status_text(profiles, choices(profiles)))
    except SchemaError:
        pass
    return True  # redraw the Properties view


# No update hook: choosing in the list must never switch OBS by itself.


def collection_loaded(settings: Any) -> None:
    global _started
    if _started:
        return
    _started = True
    try:
        profiles = load_profiles()
    except SchemaError as exc:
        warn(f"encoder profiles not loaded: {exc}")
        return
    version = obs.obs_get_version_string()
    present = sorted(present_encoders())
    info(f"OBS {version} on {sys.platform}: H.264 encoders present: {', '.join(present)}")
    for name, c in choices(profiles).items():
        text = f"{c.encoder_id} ({c.reason})" if isinstance(c, Choice) else c
        info(f"encoder for {name}: {text}")
    if obs.obs_data_get_bool(settings, KEY_APPLY_AT_START):
        apply(obs.obs_data_get_string(settings, KEY_PROFILE))
