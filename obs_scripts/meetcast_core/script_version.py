"""Which meetcast script runs inside OBS, as the controller reads it over obs-websocket.

The channel: while the script is loaded it holds one frontend hotkey whose *name* carries its
version, ``meetcast.script.version=0.1.0``. obs-websocket's ``GetHotkeyList`` (there since
5.0, so in every OBS meetcast supports: 28 with 5.0 through 32 with 5.7) returns the names of
the hotkeys registered right now. OBS's Python loader unregisters a script's hotkeys with its
other callbacks when the script unloads (obs-scripting-python.c, ``on_remove_hotkey``), so the
name is there exactly while that script is loaded in this OBS process.

Why not a value stored in the settings of a source meetcast owns (``GetInputSettings``):
settings are saved with the scene collection, so after a restart in which the script failed
to load (no Python configured, a Python OBS does not load, a missing PyYAML: the usual
cloud-desktop failures) the old value would still read as "loaded". A hotkey cannot outlive
the script. Its cost is one row in Settings → Hotkeys, named after meetcast's version; pressing
its key (if the user ever binds one) only writes the version and folder to OBS's log.

The hotkey is registered last in ``script_load`` (the only hook where obspython's
``obs_hotkey_register_frontend`` knows which script is calling, see ``meetcast_obsglue``), so
it also means every feature's ``load`` ran without raising.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

HOTKEY_PREFIX = "meetcast.script.version="


def hotkey_name(version: str) -> str:
    """The hotkey name the script registers for ``version``."""
    return HOTKEY_PREFIX + version


def hotkey_description(version: str) -> str:
    """What Settings → Hotkeys shows for it."""
    return f"meetcast {version}: write the script's version to the log"


def loaded_versions(hotkey_names: Iterable[object]) -> list[str]:
    """The versions of every meetcast script loaded in OBS, from ``GetHotkeyList``'s names
    (sorted, once each). Two entries mean the script was added twice, from two folders."""
    found = {name[len(HOTKEY_PREFIX):] for name in hotkey_names
             if isinstance(name, str) and name.startswith(HOTKEY_PREFIX)}
    return sorted(v for v in found if v)


@dataclass(frozen=True)
class Verdict:
    """Script versus controller: ``ok`` when exactly one script of the controller's version
    runs; ``text`` is the line to show either way."""

    ok: bool
    text: str


def compare(controller: str, loaded: list[str]) -> Verdict:
    """What ``meetcast status`` says about the script in OBS next to this controller."""
    if not loaded:
        return Verdict(False, "meetcast's script is not loaded in this OBS: on the cloud "
                              "desktop run `meetcast script install DIR`, add "
                              "DIR/meetcast_obs.py under Tools → Scripts, and check the "
                              "Script Log there")
    if len(loaded) > 1:
        return Verdict(False, f"OBS runs {len(loaded)} meetcast scripts "
                              f"({', '.join(loaded)}): remove all but one under Tools → Scripts")
    (script,) = loaded
    if script != controller:
        return Verdict(False, f"OBS runs meetcast script {script}, this controller is "
                              f"{controller}: on the cloud desktop run `meetcast script "
                              f"install DIR` with meetcast {controller}, then reload the "
                              "script (Tools → Scripts → ↻)")
    return Verdict(True, f"meetcast script {script} in OBS, controller {controller}")
