"""Reference-safe helpers over obspython: every getter here releases what it acquires.

OBS prints ``Number of memory leaks: N`` at exit; each forgotten release is one more.
"""

from __future__ import annotations

import json
import platform
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import obspython as obs

from meetcast_core.obs_versions import Version, parse_version


def log(level: int, message: str) -> None:
    """Into OBS's log as ``[Python: meetcast_obs.py] meetcast: …``."""
    obs.script_log(level, "meetcast: " + message)


def info(message: str) -> None:
    log(obs.LOG_INFO, message)


def warn(message: str) -> None:
    log(obs.LOG_WARNING, message)


@contextmanager
def source_by_name(name: str) -> Iterator[Any]:
    """The source called ``name`` (or None), released afterwards."""
    src = obs.obs_get_source_by_name(name)
    try:
        yield src
    finally:
        if src is not None:
            obs.obs_source_release(src)


@contextmanager
def data_from(values: dict[str, Any]) -> Iterator[Any]:
    """An ``obs_data_t`` built from a plain dict, released afterwards."""
    data = obs.obs_data_create_from_json(json.dumps(values))
    try:
        yield data
    finally:
        obs.obs_data_release(data)


def data_to_dict(data: Any) -> dict[str, Any]:
    """A plain dict from an ``obs_data_t`` (not released: the caller owns it)."""
    if data is None:
        return {}
    return json.loads(obs.obs_data_get_json(data) or "{}")


def source_settings(source: Any) -> dict[str, Any]:
    settings = obs.obs_source_get_settings(source)
    try:
        return data_to_dict(settings)
    finally:
        obs.obs_data_release(settings)


def scene_names() -> list[str]:
    scenes = obs.obs_frontend_get_scenes()
    try:
        return [obs.obs_source_get_name(s) for s in scenes or []]
    finally:
        obs.source_list_release(scenes)


def current_scene_exists() -> bool:
    """True when a collection is loaded (the script was added to a running OBS)."""
    scene = obs.obs_frontend_get_current_scene()
    if scene is None:
        return False
    obs.obs_source_release(scene)
    return True


def streaming_active() -> bool:
    return bool(obs.obs_frontend_streaming_active())


def obs_version() -> Version:
    """The running OBS's (major, minor): what every version fact is looked up by."""
    try:
        return parse_version(obs.obs_get_version_string())
    except ValueError:
        return (29, 0)  # an unreadable version string: the oldest OBS meetcast tests on


def macos_version() -> Version | None:
    """The Mac's (major, minor), or None elsewhere or unreadable: VideoToolbox encodes CBR
    only from macOS 13 (``encoder_choice.choose(..., macos=...)``)."""
    if sys.platform != "darwin":
        return None
    try:
        return parse_version(platform.mac_ver()[0])
    except ValueError:
        return None
