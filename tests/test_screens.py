"""What the organiser reads (issue 14): a plain line while OFFLINE gives the reason and no
figure that was not measured; the running cost in plain lines too; the bitrate bars start
from zero and say their scale; the dashboard fits an 80×24 terminal without wrapping and its
footer says "1-9 switch scene"; and the small commands say what to type. Against the
obs-websocket stand-in of tests/test_session_driver.py (real sockets: tests/test_watch.py)."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import pytest
from rich.text import Text
from test_session_driver import CONN, Clock, FakeObs, make, run

from meetcast import session as sess
from meetcast import sparkline
from meetcast.commands.watch import line, run_lines
from meetcast.settings import WatchSettings


def test_plain_line_while_offline_gives_the_reason_and_no_unmeasured_figures(
        tmp_path: Path) -> None:
    s, obs, clock = make(tmp_path)
    run(s, clock, 2)
    assert "CPU 5.0%" in line(s.last)  # measured while connected
    obs.up = False
    run(s, clock, 1)
    text = line(s.last, WatchSettings(cost_per_hour=1.2))
    assert re.match(r"\d+:\d\d:\d\d OFFLINE \(.+\)", text), text
    assert "CPU" not in text and "fps" not in text and "kbps" not in text
    assert "cost $" in text


def test_cost_per_hour_shows_in_plain_lines(tmp_path: Path, capsys) -> None:
    obs_clock = Clock()
    obs = FakeObs(obs_clock)
    s = sess.Session(CONN, {}, interval=0.1, record=tmp_path / "r.jsonl", connect=obs.link)
    obs_clock.now = time.monotonic()
    s.open()
    s.on_view.append(lambda v: setattr(obs_clock, "now", time.monotonic()))
    assert run_lines(s, 1.5, False, WatchSettings(cost_per_hour=3600.0)) == 0
    out = capsys.readouterr().out.splitlines()
    assert out and all(re.search(r"cost \$\d\.\d\d \(\$3,600\.00/h\)$", x) for x in out), out


def test_bars_start_from_zero_so_a_wobble_looks_small() -> None:
    wobble = [2480 + (i % 5) * 10 for i in range(60)]  # 2480..2520 kbps: ±0.8 %
    rows = sparkline.bars(wobble, 60, rows=3)
    heights = [sum(sparkline.BLOCKS.index(r[i]) for r in rows) for i in range(60)]
    assert max(heights) - min(heights) <= 1  # Textual's own min-max scale: 0 to full
    assert min(heights) >= 18  # near the top of 24 eighths: 2,500 of a 3,000 scale
    drop = sparkline.bars([2500] * 10 + [500] * 10, 20, rows=3)
    tall = sum(sparkline.BLOCKS.index(r[0]) for r in drop)
    short = sum(sparkline.BLOCKS.index(r[-1]) for r in drop)
    assert short <= tall / 4  # a real drop still looks like one
    assert sparkline.label(wobble, 60) == ("bitrate, last 60 s: a bar a second, 0 to 3,000 "
                                           "kbps")
    assert sparkline.nice_top(2510) == 3000 and sparkline.nice_top(1100) == 1200


def _lines(widget) -> list[str]:
    visual = widget.render()
    plain = visual.plain if isinstance(visual, Text) else str(visual)
    return plain.splitlines()


def test_dashboard_fits_80x24_and_the_footer_says_1_9(tmp_path: Path) -> None:
    from meetcast.dashboard import WatchApp

    obs_clock = Clock()
    obs = FakeObs(obs_clock)
    s = sess.Session(CONN, {}, interval=0.1, record=tmp_path / "r.jsonl", connect=obs.link)
    obs_clock.now = time.monotonic()
    s.open()
    s.on_view.append(lambda v: setattr(obs_clock, "now", time.monotonic()))
    app = WatchApp(s, WatchSettings(cost_per_hour=1.2), seconds=0)
    seen: dict[str, list[str]] = {}

    async def steps() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            deadline = time.monotonic() + 8
            while not (app.shown is not None and app.shown.health.kbps and len(app.kbps) > 2):
                assert time.monotonic() < deadline, "no bitrate on the dashboard"
                await pilot.pause(0.1)
            await pilot.pause(1.1)  # a once-a-second refresh with the cost
            for wid in ("top", "spark", "stats", "scenes"):
                w = app.query_one(f"#{wid}")
                seen[wid] = _lines(w)
                width = w.content_region.width
                for text in seen[wid]:
                    assert Text(text).cell_len <= width, (wid, width, text)
                    assert not text.endswith("…"), (wid, text)  # fits, not cut
            keys = [(k.key_display, k.description) for k in app.query("FooterKey")]
            seen["footer"] = [f"{k} {d}" for k, d in keys]
            await pilot.press("q")

    try:
        asyncio.run(steps())
    finally:
        s.stop()
    assert any("cost $" in x for x in seen["top"]), seen["top"]
    assert any("bitrate" in x and "kbps" in x for x in seen["stats"])
    assert seen["spark"][-1].startswith("bitrate, last ")
    assert "1-9 switch scene" in seen["footer"], seen["footer"]


@pytest.mark.parametrize(("args", "needle"), [
    (["stream"], "stream needs start or stop"),
    (["say", "--clear", "x"], "give TEXT or --clear, not both"),
    (["watch", "--cost-per-hour", "-1"], "--cost-per-hour must be 0..10000, got -1"),
])
def test_small_commands_say_what_to_type(run_meetcast, tmp_path, args, needle) -> None:
    r = run_meetcast(*args, env={"XDG_CONFIG_HOME": str(tmp_path), "MEETCAST_PORT": "9"})
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().splitlines() == [f"meetcast: {r.stderr.strip()[10:]}"]
    assert needle in r.stderr and "Traceback" not in r.stderr


def test_scenes_list_is_the_listing(run_meetcast, tmp_path) -> None:
    """`scenes list` is accepted (it was "invalid choice"): it connects like `scenes`."""
    r = run_meetcast("scenes", "list", "--port", "9", env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert r.returncode == 1 and "nothing is listening on localhost:9" in r.stderr, r.stderr
