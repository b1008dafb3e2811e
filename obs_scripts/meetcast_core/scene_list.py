"""Scenes as the organiser sees them: numbered top to bottom, as in OBS's Scenes dock.

obs-websocket's ``GetSceneList`` lists scenes bottom-up (``sceneIndex`` 0 is the lowest in the
dock). Everything meetcast shows or accepts (``meetcast scenes``, ``meetcast switch 2``, the
number keys in ``meetcast watch``) uses dock order, numbered from 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class SceneNotFound(ValueError):
    """The name or number matches no scene; the message lists what exists."""


def dock_order(scene_list: Mapping[str, Any]) -> list[str]:
    """Scene names top to bottom from a ``GetSceneList`` response."""
    scenes = sorted(scene_list.get("scenes", []), key=lambda s: s.get("sceneIndex", 0),
                    reverse=True)
    return [s["sceneName"] for s in scenes]


def resolve_scene(wanted: str, names: Sequence[str]) -> str:
    """A scene named exactly ``wanted``, else its 1-based dock number, else a unique
    case-insensitive match. A name that is also a number wins as a name."""
    if wanted in names:
        return wanted
    if wanted.isdigit():
        n = int(wanted)
        if 1 <= n <= len(names):
            return names[n - 1]
        raise SceneNotFound(f"there is no scene number {n} (1..{len(names)})")
    folded = [s for s in names if s.casefold() == wanted.casefold()]
    if len(folded) == 1:
        return folded[0]
    listing = ", ".join(f"{i}. {s}" for i, s in enumerate(names, 1))
    raise SceneNotFound(f"no scene called {wanted!r}; scenes: {listing}")
