"""The obspython glue: thin, one module per feature, only ever imported inside OBS.

Each feature module may define any of these hooks, which ``meetcast_obs.py`` calls in order:

- ``defaults(settings)``            script_defaults
- ``load()``                        script_load, before anything else: the one safe place to
                                    register what OBS files under "the running script" (OBS 29
                                    forgets which script is running after a nested frontend
                                    event: obs-scripting-python-frontend.c sets
                                    ``cur_python_script = NULL`` instead of restoring it, and
                                    ``timer_add``/``timer_remove`` then crash OBS). meetcast
                                    uses no obspython timer at all: periodic work goes to
                                    ``worker.every`` (meetcast's own thread; see there why)
- ``properties(props, settings)``  script_properties (add a group to ``props``)
- ``update(settings)``              script_update (act only if safe: see ``state``)
- ``collection_loaded(settings)``   the collection's sources exist (FINISHED_LOADING, a scene
                                    collection change, or the script added to a running OBS)
- ``collection_cleanup()``          the collection is about to go away
- ``unload()``                      script_unload: release everything

Decisions belong in ``meetcast_core``; a hook here reads OBS, calls the core, writes OBS.
Features read the script's settings and whether the collection is loaded from ``state``, which
only ``meetcast_obs.py`` writes, instead of each keeping its own copy.
"""

from __future__ import annotations

from typing import Any


class ScriptState:
    """What every feature needs to know about the script between hooks."""

    settings: Any = None  # the script's obs_data_t, owned by OBS; None once unloaded
    collection_loaded = False  # its sources exist (between collection_loaded and cleanup)


state = ScriptState()

# Modules in this package, in hook order. "version" comes last: its hotkey, which tells the
# controller the script is loaded, then also says every other feature loaded cleanly.
FEATURE_NAMES: list[str] = ["encoder", "scenes", "audio", "guard", "version"]


def features() -> list:
    import importlib

    return [importlib.import_module(f"{__name__}.{name}") for name in FEATURE_NAMES]
