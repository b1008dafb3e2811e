"""The meetup scenes in the real OBS: built by the script, idempotent, importable collections,
and the Zoom scene showing a stand-in Zoom window's picture."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from meetcast.lab import SCRIPT, Lab, ObsConfig
from meetcast.lab.checks import assert_clean_exit
from meetcast.lab.picture import close, screenshot
from meetcast.lab.procs import spawn, stop_process
from meetcast.lab.standin import PATTERN, StandInWindow, find_x11_window
from meetcast_core import collection_export, names
from meetcast_core.obs_versions import fact
from meetcast_core.scene_list import dock_order
from meetcast_core.scene_spec import OS_NAMES, build_show

pytestmark = pytest.mark.obs

XCOMPOSITE_OFF = "XComposite capture disabled"   # linux-capture/xcomposite-input.c


def wait_for_scenes(lab: Lab, timeout: float = 15.0) -> dict:
    """GetSceneList once the script has built the show scenes (it builds on FINISHED_LOADING,
    which is also when obs-websocket starts, so the first answers may come before)."""
    deadline = time.monotonic() + timeout
    with lab.link() as link:
        while True:
            scenes = link.call("GetSceneList")
            have = {s["sceneName"] for s in scenes["scenes"]}
            if set(names.SHOW_SCENES) <= have and _items_ready(link):
                return scenes
            if time.monotonic() > deadline:
                raise AssertionError(f"scenes not built in {timeout:g} s: {sorted(have)}")
            time.sleep(0.1)


def _items_ready(link) -> bool:
    items = link.call("GetSceneItemList", {"sceneName": names.SCENE_ENDING})["sceneItems"]
    return len(items) == 3


def snapshot(lab: Lab) -> dict:
    """Everything a rebuild could change: scenes in dock order, inputs with their kinds, each
    scene's items bottom to top."""
    with lab.link() as link:
        order = dock_order(link.call("GetSceneList"))
        inputs = sorted((i["inputName"], i["inputKind"])
                        for i in link.call("GetInputList")["inputs"])
        items = {s: [i["sourceName"] for i in sorted(
            link.call("GetSceneItemList", {"sceneName": s})["sceneItems"],
            key=lambda i: i["sceneItemIndex"])] for s in order}
    return {"order": order, "inputs": inputs, "items": items}


def expected_items(canvas: tuple[int, int]) -> dict[str, list[str]]:
    show = build_show("linux", canvas=canvas, xcomposite=False)
    return {s.name: [i.source for i in s.items] for s in show.scenes}


# -- built by the script in the shared lab -----------------------------------------------------
def test_script_builds_the_show_scenes(lab: Lab) -> None:
    wait_for_scenes(lab)
    snap = snapshot(lab)
    assert snap["order"][-4:] == list(names.SHOW_SCENES)   # appended below the user's "Scene"
    for scene, sources in expected_items((1280, 720)).items():
        assert snap["items"][scene] == sources
    input_names = [n for n, _ in snap["inputs"]]
    assert len(input_names) == len(set(input_names))
    kinds = dict(snap["inputs"])
    # the latest versions, as OBS's own Add Source creates them (not the obsolete v1)
    assert kinds[names.SOURCE_TITLE] == "text_ft2_source_v2"
    assert kinds[names.SOURCE_BACKGROUND] == "color_source_v3"
    with lab.link() as link:
        item = link.call("GetSceneItemList", {"sceneName": names.SCENE_ZOOM})["sceneItems"][0]
        t = item["sceneItemTransform"]
        # fitted to the lab's 1280x720 canvas, centred
        assert (t["boundsType"], t["boundsWidth"], t["boundsHeight"]) == (
            "OBS_BOUNDS_SCALE_INNER", 1280.0, 720.0)
        assert (t["positionX"], t["positionY"], t["alignment"]) == (640.0, 360.0, 0)
        title = link.call("GetInputSettings", {"inputName": names.SOURCE_TITLE})
        assert title["inputSettings"]["text"] == "Community Meetup"
        # and it draws: the flat background, the white title across the middle
        pic = screenshot(link, names.SCENE_STARTING, 640, 360)
    assert close(pic.rgb_at(0.05, 0.05), (0x1E, 0x2A, 0x3A), 2)   # BACKGROUND_ABGR
    assert sum(close(pic.rgb_at(x / 100, 0.40), (255, 255, 255), 40)
               for x in range(30, 70)) >= 5


def test_meetcast_scenes_lists_in_dock_order(lab: Lab, run_meetcast) -> None:
    scenes = wait_for_scenes(lab)
    order = dock_order(scenes)
    r = run_meetcast("scenes", "--json", env=lab.env())
    assert r.returncode == 0, r.stderr
    listed = json.loads(r.stdout)
    assert [s["name"] for s in listed] == order
    assert [s["number"] for s in listed] == list(range(1, len(order) + 1))
    assert [s["name"] for s in listed if s["current"]] == [scenes["currentProgramSceneName"]]
    human = run_meetcast("scenes", env=lab.env())
    assert human.returncode == 0, human.stderr
    lines = human.stdout.splitlines()
    assert len(lines) == len(order)
    current = order.index(scenes["currentProgramSceneName"])
    assert lines[current].startswith("*") and lines[current].endswith(
        f"{current + 1}. {order[current]}")
    assert all(line.startswith(" ") for i, line in enumerate(lines) if i != current)


def test_zoom_scene_shows_the_meeting_window(lab: Lab) -> None:
    """A stand-in Zoom window (title "Zoom Meeting", WM class "zoom") with four flat quadrants
    on the lab's display; the Zoom scene's screenshot must show the four colours."""
    wait_for_scenes(lab)
    log = lab.log()
    with lab.link() as link:
        kinds = {i["inputName"]: i["inputKind"] for i in link.call("GetInputList")["inputs"]}
    capture_kind = kinds[names.SOURCE_ZOOM_CAPTURE]
    # Honest about the path that runs: this OBS has no XComposite capture (no EWMH window
    # manager under Xvfb), so the script must have fallen back to whole-screen xshm_input.
    xshm = fact("xshm_id", lab.obs_version)
    if XCOMPOSITE_OFF in log:
        assert capture_kind == xshm
        assert f"Zoom capture: whole-screen capture ({xshm})" in log
    else:
        assert capture_kind == "xcomposite_input"
    spots = ((0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75))

    def shows_pattern(link) -> tuple[bool, list]:
        pic = screenshot(link, names.SCENE_ZOOM, 640, 360)
        seen = [pic.rgb_at(x, y) for x, y in spots]
        return all(close(a, b) for a, b in zip(seen, PATTERN, strict=True)), seen

    with lab.link() as link:
        before = link.call("GetCurrentProgramScene")["currentProgramSceneName"]
        # on program first: a capture only updates while it is shown
        link.call("SetCurrentProgramScene", {"sceneName": names.SCENE_ZOOM})
        try:
            time.sleep(0.5)
            assert not shows_pattern(link)[0], "the pattern is there before the window is"
            with StandInWindow(lab.xvfb.display, size=(1920, 1080)):
                assert find_x11_window(lab.xvfb.display, "Zoom Meeting", "zoom") is not None
                deadline = time.monotonic() + 10
                while True:
                    ok, seen = shows_pattern(link)
                    if ok:
                        break
                    assert time.monotonic() < deadline, f"Zoom scene shows {seen}, not {PATTERN}"
                    time.sleep(0.2)
        finally:
            link.call("SetCurrentProgramScene", {"sceneName": before})


# -- idempotent, and the organiser's own things untouched ---------------------------------------
def test_rebuild_is_idempotent_and_leaves_the_users_things(lab_factory, baseline_leaks) -> None:
    lab = lab_factory(ObsConfig(collection="meetcast-idem"))
    wait_for_scenes(lab)
    with lab.link() as link:
        # the organiser's own scene and source, and their logo inside our Zoom scene
        link.call("CreateScene", {"sceneName": "My Scene"})
        link.call("CreateInput", {"sceneName": "My Scene", "inputName": "My Logo",
                                  "inputKind": "color_source_v3",
                                  "inputSettings": {"color": 0xFF00FF00}})
        link.call("CreateSceneItem", {"sceneName": names.SCENE_ZOOM, "sourceName": "My Logo"})
        # and a font they chose for the title
        link.call("SetInputSettings", {"inputName": names.SOURCE_TITLE,
                                       "inputSettings": {"font": {"face": "Sans Serif",
                                                                  "size": 99}}})
    first = snapshot(lab)
    assert first["items"][names.SCENE_ZOOM][-1] == "My Logo"

    # Restart with a new event title in the script's saved settings (what the properties
    # dialog stores): applied again, it updates the title and duplicates nothing.
    lab.stop_obs()
    collection = lab.obs.scenes_dir / "meetcast-idem.json"
    doc = json.loads(collection.read_text())
    doc["modules"]["scripts-tool"][0]["settings"]["event_title"] = "PyCon JP Meetup"
    collection.write_text(json.dumps(doc))
    lab.start_obs()
    wait_for_scenes(lab)
    second = snapshot(lab)
    assert second == first
    with lab.link() as link:
        title = link.call("GetInputSettings", {"inputName": names.SOURCE_TITLE})["inputSettings"]
        logo = link.call("GetInputSettings", {"inputName": "My Logo"})["inputSettings"]
    assert title["text"] == "PyCon JP Meetup"
    assert title["font"]["size"] == 99          # the organiser's font stays
    assert logo["color"] == 0xFF00FF00

    lab.restart_obs()   # a third run with nothing to do
    wait_for_scenes(lab)
    assert snapshot(lab) == first
    report = lab.stop()
    runs = [line for line in report.log.splitlines() if "meetcast: " in line
            and ("create" in line or "add item" in line or "replac" in line)]
    assert len(runs) == 1, runs       # only the very first start built anything
    assert report.log.count("meetcast: 1 update source") == 1   # the new title, once
    # the first build kept its six text set-ups a frame apart, and every wait saw OBS start
    # its frames (none ran out); the title's lone update never waits, it is only marked
    assert "6 text set-up(s), a frame apart" in runs[0], runs
    assert "1 update source; 1 text set-up(s), a frame apart" in report.log
    assert "those set-ups may have shared a frame" not in report.log
    assert report.log.count("Loaded python script: meetcast_obs.py") == 3
    assert_clean_exit(report, baseline_leaks)


# -- the importable collections -----------------------------------------------------------------
@pytest.mark.parametrize("os_name", OS_NAMES)
def test_exported_collection_opens_with_the_four_scenes(os_name, lab_factory, baseline_leaks,
                                                       tmp_path: Path) -> None:
    """Each collection, with the script path fixed up for this machine (as docs/scenes.md
    tells the organiser), opens with no error and the four scenes; the script turns foreign
    sources (another OS's text and capture ids, unavailable here) into this OS's, once."""
    path = tmp_path / collection_export.file_name(os_name)
    path.write_text(collection_export.export(os_name, str(SCRIPT)), encoding="utf-8")
    lab = lab_factory(ObsConfig(collection_file=path, base_size=(1920, 1080)))
    wait_for_scenes(lab)
    first = snapshot(lab)
    assert first["order"] == list(names.SHOW_SCENES)
    assert {k: v for k, v in first["items"].items()} == expected_items((1920, 1080))
    kinds = dict(first["inputs"])
    assert kinds[names.SOURCE_TITLE] == "text_ft2_source_v2"
    xshm = fact("xshm_id", lab.obs_version)
    assert kinds[names.SOURCE_ZOOM_CAPTURE] in (xshm, "xcomposite_input")
    assert not any("replaced by meetcast" in n for n, _ in first["inputs"])
    foreign = {"windows": "window_capture", "macos": "screen_capture",
               "linux": "xcomposite_input"}[os_name]
    if kinds[names.SOURCE_ZOOM_CAPTURE] == xshm:   # no XComposite in this OBS
        assert f"replacing '{names.SOURCE_ZOOM_CAPTURE}': was {foreign}, now {xshm}" in (
            lab.log())
    lab.restart_obs()
    wait_for_scenes(lab)
    assert snapshot(lab) == first
    report = lab.stop()
    assert_clean_exit(report, baseline_leaks)


def test_committed_collection_with_the_script_elsewhere_still_shows_the_scenes(
        lab_factory, tmp_path: Path, monkeypatch) -> None:
    """The committed file names the script at its documented install path; where it is not
    there, OBS still opens the four scenes and says the script is missing (the test runs OBS
    without PYTHONPATH, through which OBS's Python would otherwise find our copy)."""
    monkeypatch.delenv("PYTHONPATH", raising=False)
    src = Path(__file__).resolve().parents[1] / "scenes" / "meetcast-linux.json"
    path = tmp_path / src.name
    path.write_bytes(src.read_bytes())
    lab = lab_factory(ObsConfig(collection_file=path, base_size=(1920, 1080)))
    with lab.link() as link:
        order = dock_order(link.call("GetSceneList"))
    report = lab.stop()
    assert order == list(names.SHOW_SCENES)
    assert "No module named 'meetcast_obs'" in report.log
    assert "Loaded python script: meetcast_obs.py" not in report.log


def test_switching_to_the_collection_builds_it_and_leaves_the_other_alone(
        lab_factory, baseline_leaks) -> None:
    """A running OBS switched to meetcast's collection (scripts belong to a collection: ours
    loads with it, before its sources, and builds on SCENE_COLLECTION_CHANGED)."""
    lab = lab_factory(ObsConfig(collection="plain"), with_script=False)
    lab.stop_obs()   # OBS lists the collections it finds at start: add ours, then start again
    (lab.obs.scenes_dir / "meetcast-linux.json").write_text(
        collection_export.export("linux", str(SCRIPT)), encoding="utf-8")
    lab.start_obs()
    with lab.link() as link:
        assert dock_order(link.call("GetSceneList")) == ["Scene"]
        link.call("SetCurrentSceneCollection",
                  {"sceneCollectionName": collection_export.collection_name("linux")})
    wait_for_scenes(lab)
    assert snapshot(lab)["order"] == list(names.SHOW_SCENES)
    with lab.link() as link:
        link.call("SetCurrentSceneCollection", {"sceneCollectionName": "plain"})
        deadline = time.monotonic() + 10
        while dock_order(link.call("GetSceneList")) != ["Scene"]:
            assert time.monotonic() < deadline, "the plain collection did not come back as it was"
            time.sleep(0.1)
    report = lab.stop()
    assert report.log.count("Zoom capture: ") == 1   # built once, in meetcast's collection only
    assert_clean_exit(report, baseline_leaks)


@pytest.mark.skipif(not shutil.which("openbox"), reason="openbox (an EWMH window manager) "
                    "is not installed: scripts/setup.sh installs it")
def test_with_a_window_manager_the_capture_is_xcomposite_by_name_and_class(
        lab_factory, baseline_leaks) -> None:
    """Under an EWMH window manager OBS registers XComposite capture, and the script switches
    the Zoom capture from the screen fallback to the window capture by name and class. (Its
    picture stays black here: Mesa's software EGL cannot make an EGLImage from an X pixmap on
    Xvfb — OBS logs "Cannot create EGLImage" at debug level — so the pixel check above runs on
    the XSHM path.)"""
    lab = lab_factory(ObsConfig(collection="meetcast-wm"))
    wait_for_scenes(lab)
    with lab.link() as link:
        kinds = {i["inputName"]: i["inputKind"] for i in link.call("GetInputList")["inputs"]}
    xshm = fact("xshm_id", lab.obs_version)
    assert kinds[names.SOURCE_ZOOM_CAPTURE] == xshm      # no WM yet: the fallback
    lab.stop_obs()
    wm = spawn(["openbox", "--sm-disable"], lab.dir / "openbox.log",
               env={"DISPLAY": lab.xvfb.display})
    try:
        time.sleep(0.5)   # openbox sets _NET_SUPPORTING_WM_CHECK as it starts
        lab.start_obs()
        wait_for_scenes(lab)
        with lab.link() as link:
            inputs = {i["inputName"]: i["inputKind"] for i in link.call("GetInputList")["inputs"]}
            capture = link.call("GetInputSettings", {"inputName": names.SOURCE_ZOOM_CAPTURE})
        report = lab.stop()
    finally:
        stop_process(wm)
    assert XCOMPOSITE_OFF not in report.log.split("Command Line Arguments")[-1]
    assert inputs[names.SOURCE_ZOOM_CAPTURE] == "xcomposite_input"
    assert capture["inputSettings"]["capture_window"] == "0\r\nZoom Meeting\r\nzoom"
    assert (f"replacing '{names.SOURCE_ZOOM_CAPTURE}': was {xshm}, now xcomposite_input"
            in report.log)
    assert not any("replaced by meetcast" in n for n in inputs)
    assert_clean_exit(report, baseline_leaks)
