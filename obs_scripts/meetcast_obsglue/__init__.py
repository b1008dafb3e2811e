"""The obspython glue: thin, one module per feature, only ever imported inside OBS.

Each feature module may define any of these hooks, which ``meetcast_obs.py`` calls in order:

- ``defaults(settings)``            script_defaults
- ``properties(props, settings)``  script_properties (add a group to ``props``)
- ``update(settings)``              script_update (remember the settings; act only if safe)
- ``collection_loaded(settings)``   the collection's sources exist (FINISHED_LOADING, a scene
                                    collection change, or the script added to a running OBS)
- ``collection_cleanup()``          the collection is about to go away
- ``unload()``                      script_unload: release everything

Decisions belong in ``meetcast_core``; a hook here reads OBS, calls the core, writes OBS.
"""

from __future__ import annotations

FEATURE_NAMES: list[str] = ["encoder", "scenes", "audio"]  # modules in this package, in hook order


def features() -> list:
    import importlib

    return [importlib.import_module(f"{__name__}.{name}") for name in FEATURE_NAMES]
