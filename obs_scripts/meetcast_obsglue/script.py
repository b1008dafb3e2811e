"""The script's hooks, for ``meetcast_obs.py`` to hand to OBS once this Python can run meetcast.

They live here rather than in ``meetcast_obs.py`` because that file must stay importable by any
Python OBS may load (down to 3.6) to say when it cannot run; this module and everything it
imports need meetcast's own floor (``obs_versions.PYTHON_MIN``).

OBS loads scripts *before* the scene collection's sources exist, so features that touch
scenes or sources wait for ``OBS_FRONTEND_EVENT_FINISHED_LOADING`` — or act at once when the
script is added to an OBS that is already running (that event has fired then).

Nothing here registers an obspython timer or ``script_tick``: periodic work runs on
meetcast's own thread (``worker``), so OBS's graphics thread never waits for Python.
"""

from __future__ import annotations

import obspython as obs

import meetcast_core

from . import features, state, worker
from .obsutil import current_scene_exists, info

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
    worker.stop()  # joined: no thread of ours is left calling libobs while OBS unloads us
    state.settings = None
