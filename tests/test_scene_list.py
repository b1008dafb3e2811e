"""Scene numbering follows OBS's Scenes dock, not obs-websocket's bottom-up index."""

from __future__ import annotations

import pytest

from meetcast_core.scene_list import SceneNotFound, dock_order, resolve_scene

RESPONSE = {"scenes": [{"sceneIndex": 0, "sceneName": "Ending"},
                       {"sceneIndex": 1, "sceneName": "BRB"},
                       {"sceneIndex": 2, "sceneName": "Zoom"},
                       {"sceneIndex": 3, "sceneName": "Starting Soon"}]}
NAMES = ["Starting Soon", "Zoom", "BRB", "Ending"]


def test_dock_order_is_top_to_bottom() -> None:
    assert dock_order(RESPONSE) == NAMES


@pytest.mark.parametrize(("wanted", "name"), [("Zoom", "Zoom"), ("1", "Starting Soon"),
                                              ("4", "Ending"), ("brb", "BRB")])
def test_resolve(wanted: str, name: str) -> None:
    assert resolve_scene(wanted, NAMES) == name


def test_a_scene_named_like_a_number_wins() -> None:
    assert resolve_scene("2", ["2", "Zoom"]) == "2"


@pytest.mark.parametrize("wanted", ["0", "5", "Nope"])
def test_unknown_lists_what_exists(wanted: str) -> None:
    with pytest.raises(SceneNotFound) as err:
        resolve_scene(wanted, NAMES)
    assert "\n" not in str(err.value)
