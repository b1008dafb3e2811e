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
from meetcast_core import profile_apply as pa
from meetcast_core.encoder_choice import Choice, NoEncoder, choose
from meetcast_core.encoder_profiles import EncoderProfile, default_directory, load_all
from meetcast_core.schema import SchemaError

from . import frontend_c, state
from .obsutil import data_to_dict, info, macos_version, obs_version, warn

KEY_PROFILE = "enc_profile"
KEY_APPLY_AT_START = "enc_apply_at_start"
KEY_HOME = "enc_home_profile"   # the user's own profile, to go back through when re-applying
PROP_STATUS = "enc_status"
PROP_APPLY = "enc_apply"
# The stream encoder OBS's Advanced output mode creates (frontend's AdvancedOutput, every
# version since 28): its settings are what the next stream really encodes with.
STREAM_ENCODER_NAME = "advanced_video_stream"
DEFAULT_PROFILE = "meetup-720p30"

_started = False           # apply-at-start runs once per OBS process, not per collection
_last_result = ""          # shown in Properties


# --- reading OBS ---------------------------------------------------------------------------

def present_encoders() -> set[str]:
    """The known H.264 ids this OBS registered (None codec = not registered)."""
    return {i for i in enc.ALL_IDS if obs.obs_get_encoder_codec(i)}


def load_profiles() -> list[EncoderProfile]:
    return load_all(default_directory(Path(__file__).resolve().parents[1] / "meetcast_core"))


def choices(profiles: list[EncoderProfile]) -> dict[str, Choice | str]:
    """Profile name → its Choice, or the one-line reason none fits."""
    present, version, macos = present_encoders(), obs_version(), macos_version()
    out: dict[str, Choice | str] = {}
    for p in profiles:
        try:
            out[p.name] = choose(p, present, version, macos)
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


def _folders_named(root: Path, obs_name: str) -> list[str]:
    return op.profile_dirs_named(profile_dirs(root), obs_name)


def _existing_files(folder: Path) -> dict[str, str | None]:
    return {name: _read(folder / name) for name in (op.BASIC_INI, op.STREAM_ENCODER, op.SERVICE)}


class _Apply:
    """One Apply in progress: the inputs read once at its start, the core's run, and the
    executor that takes one action per UI task (see ``meetcast_core.profile_apply``)."""

    def __init__(self, root: Path, profiles: list[EncoderProfile], picked: dict[str, Choice],
                 chosen: EncoderProfile, service: dict | None, audio: dict[str, str],
                 home: str) -> None:
        self.root, self.profiles, self.picked = root, profiles, picked
        self.chosen, self.service, self.audio, self.home = chosen, service, audio, home
        self.run = pa.ApplyRun(chosen.obs_profile)
        self.wrote: list[str] = []

    def plan(self, p: EncoderProfile, folder: Path) -> op.ProfileWrite:
        return op.plan_files(p, self.picked[p.name], p.obs_profile, _existing_files(folder),
                             self.service, self.audio)

    def snapshot(self) -> pa.Snapshot:
        known = tuple(obs.obs_frontend_get_profiles() or [])
        current = obs.obs_frontend_get_current_profile() or ""
        ours = []
        for p in self.profiles:
            folders = _folders_named(self.root, p.obs_profile)
            fresh = len(folders) == 1 and not self.plan(p, self.root / folders[0]).changed
            ours.append(pa.OursState(p.obs_profile, p.obs_profile in known, len(folders), fresh))
        return pa.Snapshot(current, known, tuple(ours), self.home, live_reason())

    def step(self) -> None:
        """Take one action, then queue the next: OBS handles its own events in between."""
        global _busy
        try:
            action = self.do(self.run.next(self.snapshot()))
        except Exception:
            _busy = None  # a bug must not leave Apply refused until OBS restarts
            raise
        if action.kind == "done":
            _busy = None
            self.finish()
        elif action.kind == "fail":
            _busy = None
            _result(f"not applied: {action.why}", warn)
        elif not frontend_c.queue_ui(self.step):
            self.step()  # this OBS has no UI task queue: go on at once

    def do(self, action: pa.Action) -> pa.Action:
        """Execute ``action`` in OBS; what it turned out to be (a write can fail)."""
        if action.kind == "create":
            info(f"creating OBS profile {action.profile}")
            frontend_c.create_profile(action.profile)
        elif action.kind == "write":
            try:
                self.write(action.profile)
            except OSError as exc:  # each file is replaced whole: none is half-written
                return pa.Action("fail", action.profile,
                                 f"cannot write {action.profile}: {exc.strerror or exc}")
        elif action.kind == "switch":
            if action.profile == self.chosen.obs_profile:
                c, ch = self.picked[self.chosen.name], self.chosen
                info(f"switching OBS to {ch.obs_profile}: {c.encoder_id}, {ch.output}@"
                     f"{ch.fps} fps, {ch.video_kbps}+{ch.audio_kbps} kbps, keyframe every "
                     f"{ch.keyframe_sec} s")
            frontend_c.set_current_profile(action.profile)
        return action

    def write(self, obs_name: str) -> None:
        p = next(p for p in self.profiles if p.obs_profile == obs_name)
        folder = self.root / _folders_named(self.root, obs_name)[0]
        w = self.plan(p, folder)
        for name, text in w.files.items():
            _write_atomic(folder / name, text)
        if w.changed:
            self.wrote.append(p.name)
            info(f"wrote {w.obs_name}: {', '.join(w.changes)}")

    def finish(self) -> None:
        ch, c = self.chosen, self.picked[self.chosen.name]
        problems = pa.verify(read_live_params(), c.encoder_id, ch.video_kbps)
        if problems:
            _result(f"switched to {ch.obs_profile}, but OBS runs {'; '.join(problems)}: "
                    "check Settings → Output, or restart OBS", warn)
        elif self.run.did("switch") or self.run.did("create"):
            _result(f"switched to {ch.obs_profile}: {c.encoder_id} ({c.reason})")
        else:
            also = f" (updated {', '.join(self.wrote)})" if self.wrote else ""
            _result(f"{ch.obs_profile} already applied ({c.encoder_id}, {ch.output}@{ch.fps}, "
                    f"{ch.video_kbps} kbps): nothing changed{also}")


_busy: _Apply | None = None   # the Apply in progress, if any


def read_live_params() -> pa.LiveParams:
    """What the active profile runs now, from OBS itself (not from the files)."""
    settings = None
    encoder = obs.obs_get_encoder_by_name(STREAM_ENCODER_NAME)
    if encoder is not None:
        data = obs.obs_encoder_get_settings(encoder)
        settings = data_to_dict(data)
        obs.obs_data_release(data)
        obs.obs_encoder_release(encoder)
    return pa.live_params(frontend_c.profile_config_string("Output", "Mode"),
                          frontend_c.profile_config_string("AdvOut", "Encoder"), settings)


def apply(chosen_name: str) -> str:
    """Start writing every meetcast profile and switching OBS to ``meetcast-<chosen_name>``.

    Returns the one-line result when it is known at once (a refusal); otherwise the work runs
    in UI tasks, one action each, and the result is logged and kept for the Properties.
    Nothing is written when a profile file is invalid, no encoder fits, or OBS is live.
    """
    global _busy
    if (why := live_reason()) is not None:
        return _result(f"not switching to {chosen_name}: {why} — stop it first "
                       "(a profile switch rebuilds the outputs and would cut the stream)", warn)
    if _busy is not None:
        return _result(f"not applied: an Apply of {_busy.chosen.name} is still running", warn)
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
    home_dir = Path(frontend_c.current_profile_path() or root / current)
    service = op.service_to_carry(_read(home_dir / op.SERVICE))
    audio = op.carried_audio(op.parse_ini(_read(home_dir / op.BASIC_INI) or ""))
    settings = state.settings
    if current not in ours and settings is not None:
        obs.obs_data_set_string(settings, KEY_HOME, current)
    home = obs.obs_data_get_string(settings, KEY_HOME) if settings is not None else ""
    c = picked[chosen_name]
    info(f"applying {chosen_name}: {c.encoder_id} ({c.reason}); stream service carried "
         f"from profile “{current}”: {op.describe_service(service)}")
    _busy = _Apply(root, profiles, picked, chosen, service, audio, home)
    # Never switch inside start-up or a script callback: OBS runs the steps from its UI loop.
    if not frontend_c.queue_ui(_busy.step):
        _busy.step()
    return _result(f"applying {chosen_name}…")


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


def load() -> None:
    frontend_c.on_task_error(lambda text: warn("an OBS UI task failed:\n" + text))


def unload() -> None:
    global _busy
    frontend_c.cancel_ui_tasks()
    _busy = None


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
