"""The scene spec, the Zoom capture per OS, the build plan and the exporter, without OBS.

Windows and macOS capture cannot run here: their ids and keys are checked against what
OBS's own source reads (cited in meetcast_core/zoom_capture.py and scene_spec.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from meetcast_core import collection_export, names
from meetcast_core.obs_versions import fact
from meetcast_core.scene_plan import DEFERRED_UPDATE_KINDS, FoundSource, plan, steps_summary
from meetcast_core.scene_spec import OS_NAMES, Meetup, build_show, current_os
from meetcast_core.zoom_capture import (
    ZOOM_CLASS_OLD,
    decode_window_part,
    encode_window_part,
    windows_window,
    zoom_capture,
)

ROOT = Path(__file__).resolve().parents[1]


# -- Zoom capture ----------------------------------------------------------------------------
def test_windows_capture_is_wgc_matched_by_class_and_exe() -> None:
    cap = zoom_capture("windows")
    assert cap.kind == "window_capture"
    # window-capture.c: METHOD_WGC == 2; window-helpers.h: WINDOW_PRIORITY_CLASS == 0
    assert cap.settings["method"] == 2
    assert cap.settings["priority"] == 0
    assert cap.settings["window"] == "Zoom Meeting:ConfMultiTabContentWndClass:Zoom.exe"
    assert {"window", "method", "priority"} <= set(cap.managed)


def test_windows_title_is_escaped_like_obs() -> None:
    # window-helpers.c encode_dstr: "#" -> "#22" first, then ":" -> "#3A"
    assert encode_window_part("a:b#c") == "a#3Ab#22c"
    assert decode_window_part(encode_window_part("x#3A:y#")) == "x#3A:y#"
    localised = zoom_capture("windows", "Zoom ミーティング", window_class=ZOOM_CLASS_OLD)
    assert localised.settings["window"] == "Zoom ミーティング:ZPContentViewWndClass:Zoom.exe"
    assert windows_window("10:00 Talk").split(":")[0] == "10#3A00 Talk"
    with pytest.raises(ValueError, match="unknown Zoom window class"):
        zoom_capture("windows", window_class="Chrome_WidgetWin_1")


def test_macos_capture_is_sck_application_capture_of_zoom() -> None:
    cap = zoom_capture("macos")
    assert cap.kind == "screen_capture"
    assert cap.settings["type"] == 2 and cap.settings["application"] == "us.zoom.xos"


def test_linux_capture_by_name_and_class_with_screen_fallback() -> None:
    cap = zoom_capture("linux", "Zoom Meeting")
    assert cap.kind == "xcomposite_input" and not cap.fallback
    assert cap.settings["capture_window"] == "0\r\nZoom Meeting\r\nzoom"
    fallback = zoom_capture("linux", xcomposite=False)
    assert fallback.kind == "xshm_input" and fallback.fallback
    assert "XComposite is unavailable" in fallback.how
    with pytest.raises(ValueError):
        zoom_capture("beos")


@pytest.mark.parametrize(("version", "kind"), [
    (None, "xshm_input"), ((29, 0), "xshm_input"), ((30, 2), "xshm_input"),
    ((31, 0), "xshm_input_v2"), ((32, 2), "xshm_input_v2")])
def test_screen_fallback_uses_the_xshm_id_of_each_obs(version, kind: str) -> None:
    """xshm-input.c: 31.0.0 registers "xshm_input_v2" (a new id, not a version: the latest
    input type of "xshm_input" is still the obsolete one) next to the old "xshm_input"."""
    cap = zoom_capture("linux", xcomposite=False, obs_version=version)
    assert cap.kind == kind and f"({kind})" in cap.how
    show = build_show("linux", xcomposite=False, obs_version=version)
    assert show.source(names.SOURCE_ZOOM_CAPTURE).kind == kind


# -- the spec --------------------------------------------------------------------------------
@pytest.mark.parametrize("os_name", OS_NAMES)
def test_show_has_the_four_scenes_and_shared_text(os_name: str) -> None:
    show = build_show(os_name, Meetup(title="PyCon mini", hashtag="#pyconmini"))
    assert [s.name for s in show.scenes] == list(names.SHOW_SCENES)
    text_kind = "text_gdiplus" if os_name == "windows" else "text_ft2_source"
    for name in (names.SOURCE_TITLE, names.SOURCE_HASHTAG, names.SOURCE_LOWER_THIRD):
        assert show.source(name).kind == text_kind
    assert show.source(names.SOURCE_TITLE).settings["text"] == "PyCon mini"
    # the title is one source shared by Starting Soon and BRB
    users = [s.name for s in show.scenes
             if any(i.source == names.SOURCE_TITLE for i in s.items)]
    assert users == [names.SCENE_STARTING, names.SCENE_BRB]
    zoom = show.scenes[1]
    assert zoom.items[0].source == names.SOURCE_ZOOM_CAPTURE
    assert zoom.items[0].bounds == (1920.0, 1080.0) and zoom.items[0].bounds_type == 2
    every_item = {i.source for s in show.scenes for i in s.items}
    assert every_item == {s.name for s in show.sources}
    assert all(s.name.startswith(names.SOURCE_PREFIX) for s in show.sources)


def test_audio_per_os() -> None:
    assert build_show("windows").mic.kind == "wasapi_input_capture"
    assert build_show("windows").desktop.kind == "wasapi_output_capture"
    assert build_show("linux").desktop.kind == "pulse_output_capture"
    mac = build_show("macos")
    assert mac.mic.kind == "coreaudio_input_capture" and mac.desktop is None


def test_brb_is_a_still() -> None:
    brb = build_show("linux").scenes[2]
    kinds = {build_show("linux").source(i.source).kind for i in brb.items}
    assert kinds == {"color_source", "text_ft2_source"}


def test_event_from_settings_keeps_defaults_for_missing_or_empty() -> None:
    ev = Meetup.from_settings({"event_title": "X", "zoom_title": "", "hashtag": 3})
    assert ev.title == "X" and ev.zoom_title == "Zoom Meeting" and ev.hashtag == "#meetup"
    assert Meetup.from_settings(ev.settings()) == ev


def test_current_os() -> None:
    assert [current_os(p) for p in ("win32", "darwin", "linux")] == list(OS_NAMES)


# -- the plan --------------------------------------------------------------------------------
def _apply(show, steps, existing: dict[str, FoundSource]) -> dict[str, FoundSource]:
    """What OBS would hold after the steps (a model, to prove a second plan is empty)."""
    state = dict(existing)
    for st in steps:
        if st.action in ("create_source", "replace_source"):
            state[st.name] = FoundSource(st.source.kind, dict(st.source.settings))
            for n, e in list(state.items()):
                if e.kind == "scene" and st.action == "replace_source":
                    state[n] = FoundSource("scene", items=tuple(i for i in e.items
                                                             if i != st.name))
        elif st.action == "update_source":
            state[st.name] = FoundSource(state[st.name].kind,
                                      {**state[st.name].settings, **st.settings})
        elif st.action == "create_scene":
            state[st.name] = FoundSource("scene")
        elif st.action == "add_item":
            e = state[st.name]
            items = (st.item.source, *e.items) if st.to_bottom else (*e.items, st.item.source)
            state[st.name] = FoundSource("scene", items=items)
    return state


def test_plan_on_empty_obs_builds_everything_and_then_nothing() -> None:
    show = build_show("linux", canvas=(1280, 720), xcomposite=False)
    steps = plan(show, {})
    assert steps_summary(steps) == "8 create source, 4 create scene, 12 add item"
    assert plan(show, _apply(show, steps, {})) == []


def _dock_after(steps, dock: list[str], selected: int, position: str) -> list[str]:
    """The Scenes dock after the plan's scene creations, as each OBS fills it: appended
    (up to 29.1, UI/window-basic-main.cpp addItem) or inserted below the selected row, which
    stays selected (30.0+, insertItem(currentRow() + 1))."""
    dock = list(dock)
    for st in steps:
        if st.action == "create_scene":
            if position == "append":
                dock.append(st.name)
            else:
                dock.insert(selected + 1, st.name)
    return dock


@pytest.mark.parametrize("version", [(29, 0), (29, 1), (30, 0), (30, 2), (31, 0), (32, 2)])
def test_new_scenes_come_out_in_the_shows_order_on_every_obs(version) -> None:
    position = fact("new_scene_position", version)
    show = build_show("linux", xcomposite=False)
    steps = plan(show, {}, position)
    dock = _dock_after(steps, ["Scene"], 0, position)
    assert dock == ["Scene", *names.SHOW_SCENES]
    # one of the four was deleted by hand: it comes back, the others stay where they are
    have = _apply(show, steps, {})
    del have[names.SCENE_BRB]
    again = plan(show, have, position)
    assert [st.name for st in again if st.action == "create_scene"] == [names.SCENE_BRB]
    # every scene exists before any item goes in
    kinds = [st.action for st in steps]
    assert max(i for i, k in enumerate(kinds) if k == "create_scene") < kinds.index("add_item")
    with pytest.raises(ValueError):
        plan(show, {}, "top")


def test_plan_leaves_user_items_and_updates_only_managed_keys() -> None:
    show = build_show("linux", Meetup(title="New title"), xcomposite=False)
    first = _apply(show, plan(build_show("linux", xcomposite=False), {}), {})
    # The organiser added a logo to our Zoom scene and chose another font for the title.
    first[names.SCENE_ZOOM] = FoundSource("scene", items=(*first[names.SCENE_ZOOM].items, "Logo"))
    title = first[names.SOURCE_TITLE]
    first[names.SOURCE_TITLE] = FoundSource(title.kind, {**title.settings, "font": {"face": "X"}})
    steps = plan(show, first)
    assert [(s.action, s.name, dict(s.settings)) for s in steps] == [
        ("update_source", names.SOURCE_TITLE, {"text": "New title"})]


@pytest.mark.parametrize("os_name", OS_NAMES)
def test_text_sources_set_up_on_obs_graphics_thread_are_marked_to_pace(os_name: str) -> None:
    # A text source's create and every update of it run in OBS's next frame (both text
    # plugins call obs_source_update from their create): the glue keeps them a frame apart.
    show = build_show(os_name, xcomposite=False)
    texts = {s.name for s in show.sources if s.kind in DEFERRED_UPDATE_KINDS}
    assert len(texts) == 6, texts
    steps = plan(show, {})
    assert {s.name for s in steps if s.deferred_update} == texts
    assert all(s.action == "create_source" for s in steps if s.deferred_update)
    # an organiser's new title and hashtag: two updates, each paced; nothing else is
    have = _apply(show, steps, {})
    renamed = build_show(os_name, Meetup(title="New title", hashtag="#new"), xcomposite=False)
    again = plan(renamed, have)
    assert [(s.action, s.name, s.deferred_update) for s in again] == [
        ("update_source", names.SOURCE_TITLE, True),
        ("update_source", names.SOURCE_HASHTAG, True)]


def test_plan_replaces_a_foreign_capture_and_puts_it_back_at_the_bottom() -> None:
    # The Windows collection opened on Linux: window_capture is an unavailable source here.
    existing = _apply(build_show("windows"), plan(build_show("windows"), {}), {})
    linux = build_show("linux", xcomposite=False)
    steps = plan(linux, existing)
    replaced = [s.name for s in steps if s.action == "replace_source"]
    assert names.SOURCE_ZOOM_CAPTURE in replaced and names.SOURCE_TITLE in replaced
    capture_back = [s for s in steps if s.action == "add_item"
                    and s.item.source == names.SOURCE_ZOOM_CAPTURE]
    assert len(capture_back) == 1 and capture_back[0].to_bottom
    after = _apply(linux, steps, existing)
    assert after[names.SCENE_ZOOM].items[0] == names.SOURCE_ZOOM_CAPTURE
    assert plan(linux, after) == []


def test_plan_never_touches_a_name_held_by_something_else() -> None:
    show = build_show("linux", xcomposite=False)
    steps = plan(show, {names.SCENE_ZOOM: FoundSource("text_ft2_source"),
                        names.SOURCE_TITLE: FoundSource("scene")})
    conflicts = {s.name for s in steps if s.action == "conflict"}
    assert conflicts == {names.SCENE_ZOOM, names.SOURCE_TITLE}
    touched = {s.name for s in steps if s.action != "conflict"}
    assert names.SCENE_ZOOM not in touched
    assert not any(s.item and s.item.source == names.SOURCE_TITLE for s in steps)


# -- the exporter ----------------------------------------------------------------------------
@pytest.mark.parametrize("os_name", OS_NAMES)
def test_committed_collections_are_up_to_date(os_name: str) -> None:
    committed = ROOT / "scenes" / collection_export.file_name(os_name)
    assert committed.exists(), f"run: meetcast scenes export ({committed} is missing)"
    assert committed.read_text(encoding="utf-8") == collection_export.export(os_name), (
        f"{committed.name} is out of date: run `meetcast scenes export` and commit scenes/")


@pytest.mark.parametrize("os_name", OS_NAMES)
def test_exported_collection_shape(os_name: str) -> None:
    doc = json.loads(collection_export.export(os_name, "/x/meetcast_obs.py"))
    assert [s["name"] for s in doc["scene_order"]] == list(names.SHOW_SCENES)
    by_name = {s["name"]: s for s in doc["sources"]}
    assert len(by_name) == len(doc["sources"])  # no name twice
    for scene in names.SHOW_SCENES:
        assert by_name[scene]["id"] == "scene"
        for item in by_name[scene]["settings"]["items"]:
            assert item["name"] in by_name
    capture = by_name[names.SOURCE_ZOOM_CAPTURE]
    assert capture["id"] == {"windows": "window_capture", "macos": "screen_capture",
                             "linux": "xcomposite_input"}[os_name]
    title = by_name[names.SOURCE_TITLE]
    # for the newest OBS (30.2+: text_gdiplus v3; FreeType text is v2 on every version)
    assert title["versioned_id"] == title["id"] + ("_v3" if os_name == "windows" else "_v2")
    # the JSON name is the file stem: what Import shows, the menu lists and --collection opens
    assert doc["name"] == collection_export.file_name(os_name).removesuffix(".json")
    assert doc["name"] == collection_export.collection_name(os_name) == f"meetcast-{os_name}"
    scripts = doc["modules"]["scripts-tool"]
    assert scripts == [{"path": "/x/meetcast_obs.py", "settings": Meetup().settings()}]
    assert doc["AuxAudioDevice1"]["name"] == names.MIC_SOURCE
    assert ("DesktopAudioDevice1" in doc) == (os_name != "macos")


@pytest.mark.parametrize(("version", "text_id"), [
    ((28, 0), "text_gdiplus_v2"), ((30, 1), "text_gdiplus_v2"), ((30, 2), "text_gdiplus_v3"),
    ((31, 0), "text_gdiplus_v3"), ((32, 2), "text_gdiplus_v3")])
def test_export_for_an_obs_version(version, text_id: str) -> None:
    """Only Windows text differs by OBS version (obs-text.cpp: si_v3 from 30.2.0); an OBS
    older than 30.2 cannot load v3, so the export is written for one version."""
    doc = json.loads(collection_export.export("windows", obs_version=version))
    texts = {s["versioned_id"] for s in doc["sources"] if s["id"] == "text_gdiplus"}
    assert texts == {text_id}
    for os_name in ("linux", "macos"):  # the same bytes for every version
        assert collection_export.export(os_name, obs_version=version) == (
            collection_export.export(os_name))
    assert collection_export.DEFAULT_OBS == (32, 2)


def test_export_without_script_and_default_paths() -> None:
    assert "scripts-tool" not in json.loads(collection_export.export("linux", ""))["modules"]
    doc = json.loads(collection_export.export("windows"))
    assert doc["modules"]["scripts-tool"][0]["path"] == "C:/meetcast/obs_scripts/meetcast_obs.py"


# -- the command -----------------------------------------------------------------------------
def test_meetcast_scenes_export_writes_the_committed_files(run_meetcast, tmp_path: Path) -> None:
    r = run_meetcast("scenes", "export", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(collection_export.file_name(o) for o in OS_NAMES)
    for name in written:
        assert (tmp_path / name).read_bytes() == (ROOT / "scenes" / name).read_bytes()


def test_meetcast_scenes_export_for_another_path(run_meetcast, tmp_path: Path) -> None:
    r = run_meetcast("scenes", "export", "--os", "windows", "--out", str(tmp_path),
                     "--script", r"D:\tools\meetcast\obs_scripts\meetcast_obs.py",
                     "--canvas", "1280x720")
    assert r.returncode == 0, r.stderr
    doc = json.loads((tmp_path / "meetcast-windows.json").read_text(encoding="utf-8"))
    assert doc["modules"]["scripts-tool"][0]["path"] == (
        "D:/tools/meetcast/obs_scripts/meetcast_obs.py")
    bg = next(s for s in doc["sources"] if s["name"] == names.SOURCE_BACKGROUND)
    assert (bg["settings"]["width"], bg["settings"]["height"]) == (1280, 720)


@pytest.mark.parametrize(("args", "message"), [
    (("--os", "linux", "--script", "obs_scripts/meetcast_obs.py"), "not an absolute linux path"),
    (("--os", "windows", "--script", "/opt/x.py"), "not an absolute windows path"),
    (("--script", "/opt/x.py"), "give --os with it"),
    (("--canvas", "big"), "expected WIDTHxHEIGHT"),
    (("--obs-version", "27.2"), "expected an OBS version 28.0 or newer"),
    (("--obs-version", "latest"), "expected an OBS version 28.0 or newer"),
    (("--os", "amiga"), "invalid choice"),
])
def test_meetcast_scenes_export_refuses_bad_input_in_one_line(run_meetcast, tmp_path: Path,
                                                               args, message) -> None:
    r = run_meetcast("scenes", "export", "--out", str(tmp_path), *args)
    assert r.returncode == 2
    assert message in r.stderr and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == []       # nothing half-written


def test_meetcast_scenes_export_to_an_unwritable_place(run_meetcast, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = run_meetcast("scenes", "export", "--out", str(blocker / "sub"))
    assert r.returncode != 0 and r.stderr.startswith("meetcast: cannot write to ")
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
