"""``meetcast report`` (issue 14): the 10 s average neither starts from zero nor lags; the
drops axis counts from 0 and says when nothing dropped; the LOW/OFFLINE bands are in the
legend; scene changes within a second share one label; the clock time is on the top axis;
"1 scene change"; and ``--chapters`` prints YouTube chapter lines from a record the session
itself wrote (the obs-websocket stand-in of tests/test_session_driver.py drives it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_session_driver import make, run

from meetcast import bitrate
from meetcast import chapters as ch
from meetcast.commands import report
from meetcast_core.names import SCENE_BRB, SCENE_STARTING, SCENE_ZOOM

pytest.importorskip("matplotlib")


def recorded(tmp_path: Path, script) -> Path:
    """A record written by a real Session polling the stand-in, ``script(obs, go)`` moving
    it (``go(seconds)`` polls for that long, four times a second)."""
    s, obs, clock = make(tmp_path)
    script(obs, lambda seconds: run(s, clock, seconds))
    s.stop()
    return tmp_path / "r.jsonl"


def meetup(obs, go) -> None:
    obs.scene = SCENE_STARTING
    go(65)
    obs.scene = SCENE_ZOOM
    go(90)
    obs.kbps = 300  # the uplink sags: LOW
    go(12)
    obs.kbps = 2500
    go(20)
    obs.scene = SCENE_BRB
    go(3)  # a BRB flicker, shorter than a chapter may be
    obs.scene = SCENE_ZOOM
    go(60)
    obs.scene = "Ending"
    go(30)


def test_the_10_s_average_does_not_start_from_zero() -> None:
    """A stream's first readings after going live (bytes not flowing yet: 0 kbps), then
    2,500 kbps: the running average used before took half a minute to get there."""
    t = [i * 0.25 for i in range(200)]
    kbps = [None] * 4 + [0.0] * 4 + [2500.0] * 192
    import numpy as np

    mean = report.window_mean(np.array(t), kbps)
    old = bitrate.smooth(kbps, 40)
    first = 4
    assert mean[first] > 0.7 * 2500 and old[first] == 0.0
    at_7s = t.index(7.0)
    assert mean[at_7s] == pytest.approx(2500) and old[at_7s] < 0.8 * 2500
    assert np.isnan(mean[0])  # no reading: a gap, not a zero


def test_the_figure_says_what_it_shows(tmp_path: Path) -> None:
    samples, scenes = report.load(recorded(tmp_path, meetup))
    fig = report.figure(samples, scenes, "t")
    try:
        ax1, ax2, _ax3 = fig.axes[:3]
        legend = [x.get_text() for x in ax1.get_legend().get_texts()]
        assert "LOW (bitrate, congestion or drops)" in legend
        assert ax2.get_ylim() == (0.0, 1.0)  # nothing dropped: 0..1, not -0.04..0.04
        assert any(x.get_text() == "no frames dropped" for x in ax2.texts)
        fig.canvas.draw()
        ticks = [x.get_text() for x in ax2.get_yticklabels() if x.get_text()]
        assert all(re.fullmatch(r"\d+", x) for x in ticks), ticks
        top = [a for a in ax1.child_axes if a.get_xlabel().startswith("clock time")]
        assert top, [a.get_xlabel() for a in ax1.child_axes]
        clock = [x.get_text() for x in top[0].get_xticklabels() if x.get_text()]
        assert clock and all(re.fullmatch(r"\d\d:\d\d(:\d\d)?", x) for x in clock), clock
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)


def test_scene_changes_within_a_second_share_one_label() -> None:
    scenes = [{"t": 60.0, "scene": "Zoom", "by": "hand"},
              {"t": 60.4, "scene": "BRB", "by": "auto"},
              {"t": 60.9, "scene": "Zoom", "by": "auto"},
              {"t": 600.0, "scene": "Ending", "by": "hand"}]
    labels = report.scene_labels(scenes, span_min=20.0)
    assert labels == [(1.0, "Zoom (hand) → BRB (auto) → Zoom (auto)"), (10.0, "Ending (hand)")]


def test_summary_line_says_1_scene_change(tmp_path: Path, run_meetcast) -> None:
    def one(obs, go) -> None:
        go(3)

    r = run_meetcast("report", str(recorded(tmp_path, one)), "-o", str(tmp_path / "o.png"))
    assert r.returncode == 0, r.stderr
    assert "; 1 scene change → " in r.stdout  # the scene on program when watch began
    assert (tmp_path / "o.png").stat().st_size > 10_000


def test_chapters_for_youtube(tmp_path: Path, run_meetcast) -> None:
    path = recorded(tmp_path, meetup)
    r = run_meetcast("report", str(path), "--chapters")
    assert r.returncode == 0 and r.stderr == "", r.stderr
    lines = r.stdout.splitlines()
    # from the stream's own start (OBS's outputDuration), the BRB flicker folded into Zoom
    assert lines == ["0:00 Starting Soon", "1:05 Zoom", "4:10 Ending"], lines
    assert not (tmp_path / "r.png").exists()  # chapters draw nothing


def test_chapter_rules() -> None:
    scenes = [{"t": 100.0, "scene": "Zoom"}, {"t": 105.0, "scene": "BRB"},
              {"t": 112.0, "scene": "Zoom"}, {"t": 4000.0, "scene": "Ending"}]
    got = ch.chapters(scenes, (40.0, 4100.0), first_scene="Starting Soon")
    # Zoom 5 s, a BRB flicker of 7 s, Zoom again: one Zoom chapter from 1:00
    assert [(ch.timestamp(c.start), c.title) for c in got] == [
        ("0:00", "Starting Soon"), ("1:00", "Zoom"), ("1:06:00", "Ending")]
    # a first scene too short for a chapter: the next one starts at 0:00
    got = ch.chapters([{"t": 2.0, "scene": "Zoom"}], (0.0, 600.0), first_scene="Scene")
    assert [(c.start, c.title) for c in got] == [(0.0, "Zoom")]


def test_chapters_of_a_record_never_live(tmp_path: Path, run_meetcast) -> None:
    lines = ['{"v":1,"type":"sample","t":0.25,"wall":1.7e9,"health":"OFFLINE","active":false,'
             '"kbps":null,"scene":"BRB"}']
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(lines) + "\n")
    r = run_meetcast("report", str(path), "--chapters")
    assert r.returncode == 0 and r.stdout == "0:00 BRB\n"
    assert "never saw the stream live" in r.stderr and "at least 3" in r.stderr
