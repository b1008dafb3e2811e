"""The lower third in the real OBS (issue 14): Japanese is drawn as glyphs, not as the □ a
face without them draws; a 618-character text wraps inside the canvas and draws a warning;
emoji draw a warning.

How "glyphs, not boxes" is told apart, robustly on every OBS: a face without a character
draws its one .notdef box for it, so every missing character comes out the SAME shape. Each
character is put in the lower third alone, screenshot (GetSourceScreenshot of the source),
and its bright pixels compared by shape. The same characters in a face known to lack them
(DejaVu Sans, a source of the test's own) are the control: identical boxes there.
"""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from meetcast.frames import rendered, wait_frames
from meetcast.lab import Lab
from meetcast.lab.picture import Picture, ink, screenshot, shape, shape_distance
from meetcast_core.names import SCENE_ZOOM, SOURCE_LOWER_THIRD

pytestmark = pytest.mark.obs

TITLE = "第3回 もくもく会 #meetup"
CHARS = "第回もく会"
CONTROL = "meetcast-test DejaVu"  # a text source whose face has no CJK glyphs (+ a suffix)
LONG = " ".join(["Next up: Aiko Tanaka on Rust for microcontrollers, then questions"] * 10)


def picture_of(link, source: str, scene: str = SCENE_ZOOM) -> Picture:
    """The source as drawn, at its own size (no scaling to blur the comparison)."""
    item = link.call("GetSceneItemId", {"sceneName": scene, "sourceName": source})
    t = link.call("GetSceneItemTransform", {"sceneName": scene,
                                            "sceneItemId": item["sceneItemId"]})
    t = t["sceneItemTransform"]
    return screenshot(link, source, max(8, int(t["sourceWidth"])),
                      max(8, int(t["sourceHeight"])))


def set_text(link, source: str, text: str) -> None:
    """Set the text and wait until OBS has drawn it (meetcast.frames)."""
    frame = rendered(link)
    link.call("SetInputSettings", {"inputName": source, "inputSettings": {"text": text}})
    assert wait_frames(link, frame), "OBS drew no frame in 1 s"


def shapes_of(link, source: str, scene: str = SCENE_ZOOM) -> dict[str, frozenset]:
    out = {}
    for c in CHARS:
        set_text(link, source, c)
        out[c] = shape(ink(picture_of(link, source, scene)))
    return out


@pytest.fixture
def lower_third(lab: Lab, request: pytest.FixtureRequest) -> Iterator[dict]:
    """The script's lower third and a DejaVu twin of it; text put back, twin removed. (The
    twin's name is the test's: a removed source's name stays taken until OBS frees it.)"""
    control = f"{CONTROL} {request.node.name}"
    # In a scene of the test's own, so that no other test finds the twin in meetcast's Zoom
    # scene while OBS has not yet freed it (test_scenes_obs checks that scene's items).
    scene = f"{CONTROL} scene {request.node.name}"
    with lab.link() as link:
        link.call("CreateScene", {"sceneName": scene})
        before = link.call("GetInputSettings", {"inputName": SOURCE_LOWER_THIRD})
        settings = before["inputSettings"]
        link.call("CreateInput", {"sceneName": scene, "inputName": control,
                                  "inputKind": before["inputKind"],
                                  "inputSettings": {**settings, "text": "",
                                                    "font": {**settings["font"],
                                                             "face": "DejaVu Sans"}}})
    try:
        yield {**settings, "control": control, "scene": scene}
    finally:
        with lab.link() as link:
            link.call("RemoveInput", {"inputName": control})
            link.call("RemoveScene", {"sceneName": scene})
            link.call("SetInputSettings", {"inputName": SOURCE_LOWER_THIRD,
                                           "inputSettings": {"text": settings.get("text", "")}})


def test_japanese_lower_third_is_drawn_in_real_glyphs(lab: Lab, run_meetcast, lower_third,
                                                      tmp_path: Path) -> None:
    r = run_meetcast("say", TITLE, "--json", env=lab.env())
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["text"] == TITLE and r.stderr == ""
    with lab.link() as link:
        frame = rendered(link)
        assert wait_frames(link, frame)
        whole = picture_of(link, SOURCE_LOWER_THIRD)
        ours = shapes_of(link, SOURCE_LOWER_THIRD)
        boxes = shapes_of(link, lower_third["control"], lower_third["scene"])
    with lab.link() as link:  # kept beside the test's files, to look at
        shot = link.call("GetSourceScreenshot", {"sourceName": SOURCE_LOWER_THIRD,
                                                 "imageFormat": "png"})["imageData"]
    (tmp_path / "lower-third.png").write_bytes(base64.b64decode(shot.split(",", 1)[1]))
    assert lower_third["font"]["face"] in ("Noto Sans CJK JP", "Yu Gothic UI", "Hiragino Sans")
    assert len(ink(whole)) > 500  # the whole title drew something
    # The control: a face without the glyphs draws one box for all five characters.
    control = [shape_distance(a, b) for a, b in itertools.combinations(boxes.values(), 2)]
    assert max(control) < 0.05, control
    # Ours: five different shapes, each with ink, and none of them the box.
    assert all(len(s) > 30 for s in ours.values()), {c: len(s) for c, s in ours.items()}
    pairs = {f"{a}{b}": shape_distance(ours[a], ours[b])
             for a, b in itertools.combinations(CHARS, 2)}
    assert min(pairs.values()) > 0.3, pairs
    box = next(iter(boxes.values()))
    assert min(shape_distance(s, box) for s in ours.values()) > 0.3


def test_a_618_character_lower_third_wraps_inside_the_canvas_and_warns(
        lab: Lab, run_meetcast, lower_third) -> None:
    text = (LONG + " " + LONG)[:618]
    assert len(text) == 618
    r = run_meetcast("say", text, env=lab.env())
    assert r.returncode == 0, r.stderr
    warnings = r.stderr.strip().splitlines()
    assert len(warnings) == 1 and "of the picture's height (618 characters)" in warnings[0]
    with lab.link() as link:
        video = link.call("GetVideoSettings")
        item = link.call("GetSceneItemId", {"sceneName": SCENE_ZOOM,
                                            "sourceName": SOURCE_LOWER_THIRD})["sceneItemId"]
        t = link.call("GetSceneItemTransform", {"sceneName": SCENE_ZOOM,
                                                "sceneItemId": item})["sceneItemTransform"]
    assert t["positionX"] + t["width"] <= video["baseWidth"]  # wrapped, not off the canvas
    assert t["height"] > 0.25 * video["baseHeight"]  # many lines: what the warning says
    r = run_meetcast("say", "Aiko Tanaka 🎉", env=lab.env())
    assert r.returncode == 0 and "🎉: OBS's text source" in r.stderr
    assert "of the picture's height" not in r.stderr  # one line again
