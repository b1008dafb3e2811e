"""The stream engine: what a watched stream means, decided without any I/O.

Shaped like the ``websockets`` library's sans-I/O core: everything here is plain data in and
plain data out. The laptop's poller (controller/meetcast/session.py) and the guard inside OBS
(obs_scripts/meetcast_obsglue/guard.py) are thin drivers: they read OBS, hand what they read
to :class:`~meetcast_core.stream.engine.Engine`, and carry out the switches it asks for.

- :mod:`.sample`: one reading of OBS's output statistics, and frames dropped by cause;
- :mod:`.config`: the ``[health]`` and ``[auto_brb]`` settings;
- :mod:`.health`: OK / LOW / OFFLINE over OBS's own clock, and STALE for old readings;
- :mod:`.picture`: whether the Zoom capture has a picture;
- :mod:`.auto_brb`: when to put BRB up and take it down (auto-BRB and the guard alike);
- :mod:`.scene_tracker`: the program scene and who switched it;
- :mod:`.backoff`: the reconnect delays, as a generator;
- :mod:`.record`: the one versioned format of the session record and ``watch --json``;
- :mod:`.engine`: the above, fed one observation at a time.

Stdlib only: this package is loaded by OBS's Python too.
"""
