"""One name for one thing: every name meetcast gives to something in OBS, in one place.

The script, the controller, the scene exporter, the YAML files and the docs all use these, so
that what the organiser sees in OBS is what the controller and the docs call it.
"""

from __future__ import annotations

# Scenes meetcast owns (its "show scenes"). The controller's automatic BRB switch only ever
# moves between these, never away from a scene the user picked by hand.
SCENE_STARTING = "Starting Soon"
SCENE_ZOOM = "Zoom"
SCENE_BRB = "BRB"
SCENE_ENDING = "Ending"
SHOW_SCENES: tuple[str, ...] = (SCENE_STARTING, SCENE_ZOOM, SCENE_BRB, SCENE_ENDING)

# Sources meetcast owns, shared across its scenes and addressable by name.
SOURCE_PREFIX = "meetcast "
SOURCE_TITLE = "meetcast Title"
SOURCE_HASHTAG = "meetcast Hashtag"
SOURCE_LOWER_THIRD = "meetcast Lower Third"
SOURCE_ZOOM_CAPTURE = "meetcast Zoom Capture"
SOURCE_START_TIME = "meetcast Start Time"
SOURCE_BACKGROUND = "meetcast Background"
SOURCE_BRB_MESSAGE = "meetcast BRB Message"
SOURCE_ENDING_MESSAGE = "meetcast Ending Message"

# OBS profiles meetcast writes are "meetcast-<profile name>", e.g. meetcast-meetup-720p30.
PROFILE_PREFIX = "meetcast-"

# Filters meetcast adds to an audio source carry this prefix ("meetcast: Noise Suppression"),
# so that re-applying finds and updates them and removing takes only them.
FILTER_PREFIX = "meetcast: "

# The chain step the script drives as a slow leveller ("meetcast: Leveller", a gain filter),
# and the key in that filter's settings that carries the leveller's own settings.
LEVELLER_STEP = "Leveller"
LEVELLER_SETTINGS_KEY = "meetcast_leveller"

# The guard inside OBS (meetcast_obsglue/guard.py) shows the laptop it is on by holding a
# frontend hotkey of this name (seen in obs-websocket's GetHotkeyList), and counts its switches
# under this key in the BRB message's settings (GetInputSettings), so that the laptop can say a
# scene change was the guard's. The script's settings key that turns it on:
GUARD_HOTKEY = "meetcast.guard.on"
GUARD_MARKER_KEY = "meetcast_guard"
GUARD_SETTING = "guard_enabled"

# OBS's own names for the global audio devices in a fresh collection.
MIC_SOURCE = "Mic/Aux"
DESKTOP_SOURCE = "Desktop Audio"


def profile_name(profile: str) -> str:
    """The OBS profile meetcast writes for one of its encoding profiles."""
    return PROFILE_PREFIX + profile


def filter_name(step: str) -> str:
    return FILTER_PREFIX + step


def is_meetcast_filter(name: str) -> bool:
    return name.startswith(FILTER_PREFIX)
