"""meetcast — load this file in OBS (Tools → Scripts) on the streaming machine.

A thin layer over ``obspython``: each feature's glue lives in ``meetcast_obsglue`` and every
decision is made by the pure ``meetcast_core`` package; both sit next to this file.

OBS loads scripts *before* the scene collection's sources exist, so features that touch
scenes or sources wait for ``OBS_FRONTEND_EVENT_FINISHED_LOADING`` — or act at once when the
script is added to an OBS that is already running (that event has fired then).
"""

from __future__ import annotations

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:  # OBS adds the script's folder, but say so explicitly
    sys.path.insert(0, _HERE)

import obspython as obs  # noqa: E402

import meetcast_core  # noqa: E402
from meetcast_obsglue import features, state  # noqa: E402
from meetcast_obsglue.obsutil import current_scene_exists, info  # noqa: E402

DESCRIPTION = (
    "<b>meetcast</b> " + meetcast_core.__version__ + "<br>"
    "Stream a meetup from this machine: hardware-encoder profiles, a voice "
    "noise-suppression chain, and a Zoom capture scene with the meetup scenes around it.<br>"
    "Steer it from your laptop with <code>meetcast watch</code> over an SSH tunnel."
)

_FEATURES = features()


def _call(hook: str, *args: object) -> None:
    for feature in _FEATURES:
        fn = getattr(feature, hook, None)
        if fn is not None:
            fn(*args)


def _on_event(event: int) -> None:
    if event in (obs.OBS_FRONTEND_EVENT_FINISHED_LOADING,
                 obs.OBS_FRONTEND_EVENT_SCENE_COLLECTION_CHANGED):
        _collection_loaded()
    elif event == obs.OBS_FRONTEND_EVENT_SCENE_COLLECTION_CLEANUP:
        state.collection_loaded = False
        _call("collection_cleanup")


def _collection_loaded() -> None:
    state.collection_loaded = True
    _call("collection_loaded", state.settings)


def script_description() -> str:
    return DESCRIPTION


def script_defaults(settings: object) -> None:
    _call("defaults", settings)


def script_properties() -> object:
    props = obs.obs_properties_create()
    _call("properties", props, state.settings)
    return props


def script_update(settings: object) -> None:
    state.settings = settings
    _call("update", settings)


def script_load(settings: object) -> None:
    state.settings = settings
    info(f"{meetcast_core.__version__} loaded")
    obs.obs_frontend_add_event_callback(_on_event)
    _call("load")  # before anything that may fire nested frontend events (see the hooks)
    if current_scene_exists():  # added to a running OBS: FINISHED_LOADING is long past
        _collection_loaded()


def script_unload() -> None:
    obs.obs_frontend_remove_event_callback(_on_event)
    state.collection_loaded = False
    _call("unload")
    state.settings = None
