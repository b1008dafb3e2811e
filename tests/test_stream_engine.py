"""The stream engine's pure parts without any driver: backoff, the Zoom picture, who
switched, the record's versions, STALE and the guard's agreement with auto-BRB."""

from __future__ import annotations

import itertools
import json

from meetcast_core.stream import picture as pic
from meetcast_core.stream import record
from meetcast_core.stream.auto_brb import AutoBrb
from meetcast_core.stream.backoff import MAX_DELAY, backoff
from meetcast_core.stream.config import AutoBrbConfig, HealthConfig
from meetcast_core.stream.engine import Engine, GuardMark, Reading
from meetcast_core.stream.health import OK, STALE, Health
from meetcast_core.stream.sample import Drops, Sample
from meetcast_core.stream.scene_tracker import AUTO, GUARD, HAND, OBS, SceneTracker


def test_backoff_starts_at_once_and_never_waits_more_than_a_second() -> None:
    delays = list(itertools.islice(backoff(), 12))
    assert delays[0] <= 0.1 and delays == sorted(delays)
    assert max(delays) == MAX_DELAY == 1.0 and delays[-3:] == [1.0, 1.0, 1.0]
    assert sum(delays[:4]) < 1.5  # four tries within the first second and a half


def frame(colour_at) -> bytes:
    w, h = pic.SAMPLE_SIZE
    return bytes(c for y in range(h) for x in range(w) for c in (*colour_at(x, y), 255))


def test_flat_frames_are_no_picture_but_a_still_slide_is_a_picture() -> None:
    w, h = pic.SAMPLE_SIZE
    black = frame(lambda x, y: (0, 0, 0))
    grey = frame(lambda x, y: (128, 128, 128))
    noisy_black = frame(lambda x, y: ((x * 7 + y * 3) % 4,) * 3)  # a dark tile's noise
    slide = frame(lambda x, y: (20, 20, 20) if 4 <= y <= 5 and 3 <= x <= 28 else
                  (250, 250, 250))  # one line of text on white: still, but a picture
    assert pic.classify(w, h, pic.luma_span(black, w, h)) == pic.FLAT
    assert pic.classify(w, h, pic.luma_span(grey, w, h)) == pic.FLAT
    assert pic.classify(w, h, pic.luma_span(noisy_black, w, h)) == pic.FLAT
    assert pic.classify(w, h, pic.luma_span(slide, w, h)) == pic.HAS_PICTURE
    assert pic.classify(0, 0, None) == pic.NO_SIZE
    # The same still slide for minutes is never "lost": frames are not compared.
    watch = pic.PictureWatch()
    for t in range(600):
        assert not watch.update(float(t), pic.HAS_PICTURE).lost


def test_picture_lost_after_two_seconds_and_back_after_two() -> None:
    # Read once a second: a change is dated halfway between the readings around it.
    watch = pic.PictureWatch()
    watch.update(0.0, pic.HAS_PICTURE)
    assert not watch.update(1.0, pic.FLAT).lost  # went at about 0.5
    assert not watch.update(2.0, pic.FLAT).lost
    st = watch.update(3.0, pic.NO_SIZE)
    assert st.lost and st.lost_since == 0.5
    assert st.text(12.5) == "Zoom: no picture 0:12 (window closed or minimised)"
    assert watch.update(4.0, pic.HAS_PICTURE).lost  # one good frame is not enough
    assert watch.update(5.0, pic.FLAT).lost
    watch.update(6.0, pic.HAS_PICTURE)  # back at about 5.5
    assert watch.update(7.0, pic.HAS_PICTURE).lost
    assert not watch.update(8.0, pic.HAS_PICTURE).lost


def test_scene_tracker_names_who_switched_and_records_once() -> None:
    tr = SceneTracker()
    assert tr.observed(0.0, "Zoom").by == OBS  # first sight
    tr.asked(1.0, "BRB", AUTO)
    assert tr.observed(1.2, "Zoom") is None  # the transition has not ended: trust the switch
    change = tr.observed(1.4, "BRB")
    assert (change.scene, change.previous, change.by) == ("BRB", "Zoom", AUTO)
    assert tr.confirmed(1.5, "BRB") is None  # already recorded by the reading
    tr.asked(2.0, "Zoom", HAND)
    assert tr.confirmed(2.1, "Zoom").by == HAND
    assert tr.observed(2.2, "Zoom") is None
    tr.guard_switched(7, "Zoom")  # first sight of the guard's counter: learnt, not a switch
    tr.guard_switched(8, "BRB")
    assert tr.observed(3.0, "BRB").by == GUARD
    assert tr.observed(4.0, "Zoom").by == OBS
    tr.asked(5.0, "Ending", HAND)
    assert tr.observed(8.0, "Zoom") is None  # unchanged...
    assert tr.observed(8.1, "Starting Soon").by == OBS  # ...and the asked switch expired


def test_version_0_records_are_read_as_the_current_version() -> None:
    old = [json.dumps({"type": "session", "t": 0}),
           json.dumps({"type": "sample", "t": 1.0, "state": "LOW", "poll_ms": 12.0}),
           json.dumps({"type": "scene", "t": 2.0, "scene": "BRB", "by": "auto"}),
           '{"type": "sam']
    lines = list(record.read(old))
    assert [x["v"] for x in lines] == [record.VERSION] * 3  # 2: v1 and no obs_name
    assert lines[1]["health"] == "LOW" and lines[1]["rtt_ms"] == 12.0
    assert lines[2]["type"] == "event" and lines[2]["kind"] == "scene"
    assert lines[2]["scene"] == "BRB"


def health(state: str, t: float, since: float = 0.0) -> Health:
    return Health(t, state, 2500.0, Drops(), 0.0, ("bitrate low",) if state != OK else (),
                  since)


def test_auto_brb_for_a_lost_picture_only_from_zoom_and_back_when_it_returns() -> None:
    p = AutoBrb(AutoBrbConfig(enabled=True), by=GUARD)
    lost = pic.PictureState(pic.FLAT, True, 1.0)
    fine = pic.PictureState(pic.HAS_PICTURE, False)
    assert p.decide(health(OK, 1), "Starting Soon", lost) is None  # does not show Zoom
    p.decide(health(OK, 2), "Zoom", fine)
    d = p.decide(health(OK, 3), "Zoom", lost)
    assert (d.scene, d.from_scene) == ("BRB", "Zoom") and "no picture" in d.why
    p.switched("Zoom", "BRB")
    assert p.decide(health(OK, 4), "BRB", lost) is None  # still no picture: stay
    d = p.decide(health(OK, 5), "BRB", fine)
    assert d.scene == "Zoom" and d.why == "the Zoom picture is back"
    # A stale reading never acts.
    q = AutoBrb(AutoBrbConfig(enabled=True))
    q.decide(health(OK, 1), "Zoom", fine)
    assert q.decide(health(OK, 2), "Zoom", lost, stale=True) is None


def reading(t: float, scene: str = "Zoom", on: bool | None = None,
            bytes_: int = 0) -> Reading:
    return Reading(Sample(t=t, active=True, output_bytes=bytes_, obs_s=t), scene=scene,
                   guard=None if on is None else GuardMark(on))


def test_engine_stale_and_standing_down_for_the_guard() -> None:
    eng = Engine(HealthConfig(warmup=0, low_kbps=1000, low_after=0.5),
                 AutoBrbConfig(enabled=True), start=0.0)
    out = eng.read(reading(1.0, on=True), now=1.05, wall=1e9)
    assert out.view.state == OK and out.view.guard_on
    events = list(out.events)
    for t in range(2, 6):  # no bytes: LOW, but the guard is on: the laptop stands down
        out = eng.read(reading(float(t)), now=t + 0.05, wall=1e9)
        assert out.switch is None
        events += out.events
    assert out.view.health.state == "LOW"
    assert [e.kind for e in events].count("guard") == 1
    assert [e.text for e in events if e.kind == "auto"] == [
        "auto-BRB stands down: the guard inside OBS is on and switches BRB itself"]
    view, events = eng.tick(8.0)
    assert view.state == STALE and [e.kind for e in events] == ["stale"]
    assert eng.tick(8.25)[1] == ()  # said once
    out = eng.read(reading(8.3, on=False, bytes_=0), now=8.35, wall=1e9)
    assert "fresh" in [e.kind for e in out.events]
    assert any(e.kind == "auto" and "takes over" in e.text for e in out.events)
