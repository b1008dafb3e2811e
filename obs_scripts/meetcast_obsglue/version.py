"""Glue: the script's version, readable from the laptop (``meetcast status``).

Holds one frontend hotkey named after the version (the channel is explained in
``meetcast_core.script_version``). Registered in ``load`` because obspython's
``obs_hotkey_register_frontend`` files the callback under the script running *now*, and only
``script_load`` is sure to have one (OBS 29 loses it after a nested frontend event). Never
unregistered here: OBS's Python loader removes the hotkey with the script's other callbacks
when it unloads, and ``obs_hotkey_unregister`` from ``script_unload`` would meet the same
"no active script" problem.
"""

from __future__ import annotations

import os

import obspython as obs

import meetcast_core
from meetcast_core.script_version import hotkey_description, hotkey_name

from .obsutil import info

_FOLDER = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _pressed(pressed: bool) -> None:
    if pressed:
        info(f"{meetcast_core.__version__} loaded from {_FOLDER}")


def load() -> None:
    version = meetcast_core.__version__
    obs.obs_hotkey_register_frontend(hotkey_name(version), hotkey_description(version),
                                     _pressed)
