"""The stream engine's pure rules: bitrate over OBS's clock, drops by cause, OK/LOW/OFFLINE
with debounce, auto-BRB."""

from __future__ import annotations

import pytest

from meetcast_core.names import SCENE_BRB, SCENE_STARTING, SCENE_ZOOM, SHOW_SCENES
from meetcast_core.stream.auto_brb import AutoBrb
from meetcast_core.stream.config import (
    AutoBrbConfig,
    HealthConfig,
    HealthConfigError,
    auto_brb_config,
    health_config,
)
from meetcast_core.stream.health import LOW, OFFLINE, OK, Health, HealthMonitor
from meetcast_core.stream.sample import Drops, Sample, drops


class Stream:
    """A synthetic OBS stream: call ``tick(kbps=…)`` once a second to get the next Sample."""

    def __init__(self) -> None:
        self.t = 100.0
        self.bytes = 0
        self.net = self.enc = self.render = 0
        self.congestion = 0.0

    def tick(self, kbps: float = 2500, net: int = 0, enc: int = 0, render: int = 0,
             congestion: float | None = None, dt: float = 1.0, active: bool = True,
             connected: bool = True) -> Sample:
        self.t += dt
        self.bytes += int(kbps * 1000 / 8 * dt)
        self.net += net
        self.enc += enc
        self.render += render
        if congestion is not None:
            self.congestion = congestion
        if not connected:
            return Sample.disconnected(self.t)
        return Sample(t=self.t, active=active, output_bytes=self.bytes, net_skipped=self.net,
                        encoder_skipped=self.enc, render_skipped=self.render,
                        congestion=self.congestion)


def run(mon: HealthMonitor, stream: Stream, n: int, **kw) -> list[Health]:
    return [mon.update(stream.tick(**kw)) for _ in range(n)]


def test_sample_from_obs_reads_the_three_counters_from_the_right_places() -> None:
    stream = {"outputActive": True, "outputReconnecting": False, "outputBytes": 1000,
              "outputSkippedFrames": 7, "outputTotalFrames": 900, "outputCongestion": 0.25}
    stats = {"outputSkippedFrames": 3, "outputTotalFrames": 900, "renderSkippedFrames": 5,
             "renderTotalFrames": 950, "cpuUsage": 12.5, "activeFps": 30.0,
             "memoryUsage": 210.0}
    s = Sample.from_obs(1.0, stream, stats)
    assert (s.net_skipped, s.encoder_skipped, s.render_skipped) == (7, 3, 5)
    assert (s.active, s.output_bytes, s.congestion, s.cpu, s.fps) == (True, 1000, 0.25, 12.5,
                                                                       30.0)


def test_sample_from_obs_tolerates_missing_and_nan_fields() -> None:
    s = Sample.from_obs(1.0, {"outputCongestion": float("nan")}, {"cpuUsage": None})
    assert (s.active, s.congestion, s.cpu, s.output_bytes) == (False, 0.0, 0.0, 0)


def test_rate_is_delta_bytes_over_the_rate_window_at_any_poll_rate() -> None:
    mon, s = HealthMonitor(), Stream()
    rates = [mon.update(s.tick(kbps=2500, dt=0.25)).kbps for _ in range(8)]
    assert rates[0] is None and rates[-1] == pytest.approx(2500, rel=0.01)
    # a step down shows in proportion to how much of the last second it fills
    assert mon.update(s.tick(kbps=1000, dt=0.25)).kbps == pytest.approx(2125, rel=0.01)
    assert [mon.update(s.tick(kbps=1000, dt=0.25)).kbps for _ in range(3)][-1] == \
        pytest.approx(1000, rel=0.01)


def test_rate_at_one_hertz_is_the_last_interval() -> None:
    mon, s = HealthMonitor(), Stream()
    mon.update(s.tick(kbps=2500))
    assert mon.update(s.tick(kbps=900, dt=0.97)).kbps == pytest.approx(900, rel=0.01)


@pytest.mark.parametrize("first,then", [
    (None, Sample(t=1, active=True, output_bytes=10)),
    (Sample(t=1, active=True, output_bytes=10), Sample(t=1, active=True, output_bytes=20)),
    (Sample(t=1, active=True, output_bytes=99), Sample(t=2, active=True, output_bytes=10)),
    (Sample(t=1, active=False), Sample(t=2, active=True, output_bytes=10)),
    (Sample(t=1, active=True), Sample.disconnected(2)),
    (Sample(t=1, active=True, reconnecting=True),
     Sample(t=2, active=True, output_bytes=10)),
])
def test_rate_unknown_rather_than_wrong(first, then) -> None:
    mon = HealthMonitor()
    if first is not None:
        mon.update(first)
    assert mon.update(then).kbps is None


def test_drops_kept_apart_by_cause_and_counter_reset_counts_all_as_new() -> None:
    a = Sample(t=1, active=True, net_skipped=10, encoder_skipped=4, render_skipped=2)
    b = Sample(t=2, active=True, net_skipped=13, encoder_skipped=4, render_skipped=7)
    assert drops(a, b) == Drops(network=3, encoder=0, render=5)
    reset = Sample(t=3, active=True, net_skipped=1, encoder_skipped=0, render_skipped=0)
    assert drops(b, reset) == Drops(network=1)
    idle = Sample(t=4, active=False, net_skipped=50, render_skipped=3)
    assert drops(reset, idle) == Drops(render=3)  # not streaming: only render lag counts
    assert (Drops(1, 2, 3) + Drops(1, 1, 1)) == Drops(2, 3, 4)
    assert not Drops().any() and Drops(render=1).any()


def test_offline_until_streaming_then_ok() -> None:
    mon, s = HealthMonitor(), Stream()
    assert mon.update(s.tick(active=False)).state == OFFLINE
    assert mon.update(s.tick(connected=False)).reasons == ("not connected to OBS",)
    out = run(mon, s, 3)
    assert [x.state for x in out] == [OK] * 3
    assert out[-1].kbps == pytest.approx(2500, rel=0.01)


def test_offline_is_immediate_while_obs_reconnects() -> None:
    mon, s = HealthMonitor(), Stream()
    run(mon, s, 10)
    sample = s.tick()
    out = mon.update(Sample(**{**sample.__dict__, "reconnecting": True}))
    assert out.state == OFFLINE and "reconnecting" in out.reasons[0]


def test_bitrate_drop_turns_low_after_the_debounce_not_before() -> None:
    cfg = HealthConfig(low_after=2.0, ok_after=3.0, warmup=2.0)
    mon, s = HealthMonitor(cfg), Stream()
    run(mon, s, 15)
    assert mon.reference() == pytest.approx(2500, rel=0.01)
    first = mon.update(s.tick(kbps=900))
    assert first.state == OK and first.reasons  # seen, not yet acted on
    second = mon.update(s.tick(kbps=900))
    # bad since the sample before the first slow interval: 2 s → LOW on the second
    assert second.state == LOW and second.since == s.t
    # recovery is debounced too
    states = [x.state for x in run(mon, s, 4)]
    assert states == [LOW, LOW, LOW, OK]


def test_two_problems_at_once_skip_the_debounce() -> None:
    mon, s = HealthMonitor(HealthConfig(low_after=5, warmup=0)), Stream()
    run(mon, s, 10)
    out = mon.update(s.tick(kbps=900, congestion=0.7))
    assert out.state == LOW and len(out.reasons) == 2
    mon, s = HealthMonitor(HealthConfig(low_after=5, warmup=0, low_at_once=0)), Stream()
    run(mon, s, 10)
    assert mon.update(s.tick(kbps=900, congestion=0.7)).state == OK


def test_one_slow_second_does_not_flap() -> None:
    mon, s = HealthMonitor(HealthConfig(low_after=1.5)), Stream()
    run(mon, s, 10)
    mon.update(s.tick(kbps=500))
    assert all(x.state == OK for x in run(mon, s, 5))


def test_warmup_ignores_the_slow_start_of_a_stream() -> None:
    mon, s = HealthMonitor(HealthConfig(low_kbps=2000, warmup=5)), Stream()
    out = run(mon, s, 4, kbps=300)
    assert all(x.state == OK and not x.reasons for x in out)
    assert run(mon, s, 3, kbps=300)[-1].state == LOW


def test_absolute_threshold_from_config() -> None:
    mon, s = HealthMonitor(HealthConfig(low_kbps=1000, warmup=0, low_after=0)), Stream()
    assert run(mon, s, 2, kbps=1200)[-1].state == OK
    assert mon.update(s.tick(kbps=800)).state == LOW


def test_congestion_and_network_drops_are_each_enough() -> None:
    cfg = HealthConfig(low_after=0, warmup=0)
    mon, s = HealthMonitor(cfg), Stream()
    run(mon, s, 5)
    assert mon.update(s.tick(congestion=0.7)).state == LOW
    mon, s = HealthMonitor(cfg), Stream()
    run(mon, s, 5)
    out = mon.update(s.tick(net=4))
    assert out.state == LOW and out.drops.network == 4


def test_encoder_and_render_lag_do_not_make_the_stream_low() -> None:
    # Overload is shown, but BRB would not help it: not a LOW reason.
    mon, s = HealthMonitor(HealthConfig(low_after=0, warmup=0)), Stream()
    run(mon, s, 5)
    out = run(mon, s, 5, enc=10, render=10)
    assert all(x.state == OK for x in out)
    assert out[-1].drops == Drops(network=0, encoder=10, render=10)


def test_low_bitrate_is_not_learnt_as_the_new_normal() -> None:
    mon, s = HealthMonitor(HealthConfig(low_after=0, ok_after=100, warmup=0)), Stream()
    run(mon, s, 10)
    run(mon, s, 60, kbps=900)
    assert mon.reference() == pytest.approx(2500, rel=0.01)


@pytest.mark.parametrize("table,match", [
    ({"health": {"low_fraction": 2}}, r"low_fraction: 2 is out of range \(allowed: 0\.\.1\)"),
    ({"health": {"lowkbps": 1}}, "unknown key .*did you mean low_kbps"),
    ({"health": {"low_after": "2"}}, "expected a number"),
    ({"health": 3}, "must be a table"),
    ({"auto_brb": {"enabled": "yes"}}, r"\[auto_brb\] enabled: expected true or false"),
    ({"health": {"network_drops": 1.5}}, "expected an integer"),
])
def test_config_errors_are_one_line_naming_the_key(table, match) -> None:
    with pytest.raises(HealthConfigError, match=match) as exc:
        health_config(table)
        auto_brb_config(table)
    assert "\n" not in str(exc.value)


def test_config_reads_values_and_defaults() -> None:
    cfg = health_config({"health": {"low_kbps": 1800, "ok_after": 8}})
    assert (cfg.low_kbps, cfg.ok_after, cfg.low_after) == (1800.0, 8.0, HealthConfig.low_after)
    assert auto_brb_config({}).enabled is False
    assert auto_brb_config({"auto_brb": {"enabled": True, "after": 2}}).after == 2.0


# -- auto-BRB -------------------------------------------------------------------------------

def health(state: str, t: float, since: float = 0.0) -> Health:
    return Health(t=t, state=state, kbps=None, drops=Drops(), congestion=0.0, since=since)


def brb(**kw) -> AutoBrb:
    return AutoBrb(AutoBrbConfig(enabled=True, **kw), brb_scene=SCENE_BRB,
                     show_scenes=SHOW_SCENES)


def test_auto_brb_off_by_default() -> None:
    assert AutoBrb().decide(health(LOW, 10), SCENE_ZOOM) is None


def test_auto_brb_switches_from_a_show_scene_and_back() -> None:
    p = brb(after=2, back_after=1)
    assert p.decide(health(OK, 1), SCENE_ZOOM) is None
    assert p.decide(health(LOW, 2, since=2), SCENE_ZOOM) is None  # not yet 2 s
    assert p.decide(health(LOW, 4, since=2), SCENE_ZOOM).scene == SCENE_BRB
    p.switched(SCENE_ZOOM, SCENE_BRB)
    assert p.decide(health(LOW, 5, since=2), SCENE_BRB) is None
    assert p.decide(health(OK, 6, since=6), SCENE_BRB) is None  # back_after 1 s
    assert p.decide(health(OK, 7, since=6), SCENE_BRB).scene == SCENE_ZOOM
    p.switched(SCENE_BRB, SCENE_ZOOM)
    assert p.left_scene is None
    assert p.decide(health(OK, 8, since=6), SCENE_ZOOM) is None


def test_auto_brb_never_leaves_a_scene_of_the_users_own() -> None:
    p = brb()
    p.decide(health(OK, 1), "My Slides")
    assert p.decide(health(LOW, 5, since=3), "My Slides") is None


def test_auto_brb_does_not_switch_while_offline_or_already_on_brb() -> None:
    p = brb()
    assert p.decide(health(OFFLINE, 1), SCENE_ZOOM) is None
    assert p.decide(health(LOW, 2), SCENE_BRB) is None
    # BRB put up by hand is not "owned": recovery does not take it down
    assert p.decide(health(OK, 9), SCENE_BRB) is None


def test_a_switch_by_hand_during_low_is_never_overridden() -> None:
    p = brb()
    p.decide(health(OK, 1), SCENE_ZOOM)
    assert p.decide(health(LOW, 2, since=2), SCENE_ZOOM).scene == SCENE_BRB
    p.switched(SCENE_ZOOM, SCENE_BRB)
    p.decide(health(LOW, 3, since=2), SCENE_BRB)
    # the organiser takes BRB down by hand while still LOW: it stays down…
    assert p.decide(health(LOW, 4, since=2), SCENE_STARTING) is None
    assert p.decide(health(LOW, 9, since=2), SCENE_STARTING) is None
    # …and recovery switches nowhere (nothing owned any more)
    assert p.decide(health(OK, 10, since=10), SCENE_STARTING) is None
    # a new LOW spell later may switch again
    assert p.decide(health(LOW, 20, since=20), SCENE_STARTING).scene == SCENE_BRB


def test_hand_switch_away_from_auto_brb_then_recovery_does_not_switch_back() -> None:
    p = brb()
    p.decide(health(OK, 1), SCENE_ZOOM)
    p.decide(health(LOW, 2, since=2), SCENE_ZOOM)
    p.switched(SCENE_ZOOM, SCENE_BRB)
    p.decide(health(LOW, 3, since=2), SCENE_BRB)
    p.decide(health(OK, 4, since=4), "My Slides")
    assert p.decide(health(OK, 5, since=4), SCENE_BRB) is None  # BRB by hand again: stays


def test_monitor_and_policy_together_on_a_bandwidth_drop() -> None:
    mon, s = HealthMonitor(HealthConfig(low_after=1.5, ok_after=3, warmup=2)), Stream()
    p = brb()
    scene = SCENE_ZOOM
    timeline = []
    for kbps in [2500] * 10 + [900] * 8 + [2500] * 8:
        out = mon.update(s.tick(kbps=kbps))
        decision = p.decide(out, scene)
        want = decision.scene if decision else None
        if want:
            p.switched(scene, want)
            scene = want
        timeline.append((out.state, scene))
    assert timeline[9] == (OK, SCENE_ZOOM)
    assert timeline[11] == (LOW, SCENE_BRB)  # second slow sample
    assert timeline[-1] == (OK, SCENE_ZOOM)
    assert sum(1 for st, _ in timeline if st == LOW) == 7 + 3  # 7 slow, 3 s of ok_after
