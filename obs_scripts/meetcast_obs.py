"""meetcast — load this file in OBS (Tools → Scripts) on the streaming machine.

A thin layer over ``obspython``: each feature's glue lives in ``meetcast_obsglue`` and every
decision is made by the pure ``meetcast_core`` package; both sit next to this file.

OBS loads scripts *before* the scene collection's sources exist, so features that touch
scenes or sources wait for ``OBS_FRONTEND_EVENT_FINISHED_LOADING`` — or act at once when the
script is added to an OBS that is already running (that event has fired then).

First of all, the Python. OBS for Windows and macOS loads the newest python.org Python it
knows (3.10 in OBS 28–29.0, 3.11 in 29.1–30.0, 3.12 from 30.1) and walks down to 3.6, so this
file may run on a Python meetcast cannot run on. It therefore imports nothing else until
``obs_versions.python_problem`` (written to import on 3.6) has answered; with a problem the
script only says so, in one line in OBS's log and in its properties, and loads no feature.
That is also why this file itself avoids newer syntax (no ``from __future__ import
annotations``: a SyntaxError before 3.7).
"""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:  # OBS adds the script's folder, but say so explicitly
    sys.path.insert(0, _HERE)

import obspython as obs  # noqa: E402

import meetcast_core  # noqa: E402
from meetcast_core import obs_versions  # noqa: E402


def _python_problem():
    """The one line saying this Python cannot run meetcast here, or None."""
    try:
        version = obs_versions.parse_version(obs.obs_get_version_string())
    except ValueError:
        version = obs_versions.NEWEST_KNOWN
    return obs_versions.python_problem(version, sys.version_info, sys.platform)


PROBLEM = _python_problem()

DESCRIPTION = (
    "<b>meetcast</b> " + meetcast_core.__version__ + "<br>"
    "Stream a meetup from this machine: hardware-encoder profiles, a voice "
    "noise-suppression chain, and a Zoom capture scene with the meetup scenes around it.<br>"
    "Steer it from your laptop with <code>meetcast watch</code> over an SSH tunnel."
)

if PROBLEM is None:
    from meetcast_obsglue.script import (  # noqa: F401  (OBS calls these by name)
        script_defaults,
        script_load,
        script_properties,
        script_unload,
        script_update,
    )

    def script_description():
        return DESCRIPTION

else:
    def script_description():
        return DESCRIPTION + "<br><b>Not running:</b> " + PROBLEM

    def script_properties():
        """The same line where the organiser looks: no feature's settings, since none runs."""
        props = obs.obs_properties_create()
        p = obs.obs_properties_add_text(props, "meetcast_python", PROBLEM, obs.OBS_TEXT_INFO)
        obs.obs_property_text_set_info_type(p, obs.OBS_TEXT_INFO_ERROR)
        return props

    def script_load(settings):
        obs.script_log(obs.LOG_WARNING, "meetcast: not running: " + PROBLEM)
