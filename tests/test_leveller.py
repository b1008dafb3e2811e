"""The slow leveller's decisions over synthetic meter blocks (no OBS): it levels a quiet and a
loud speaker alike, holds in pauses and while muted, shrugs off a cough, finds a new speaker,
and never jumps."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from meetcast_core.leveller import MAX_STEP_S, Leveller, Settings, settings_from

TICK = 0.1  # the script feeds the leveller ten times a second ...
BLOCKS = 5  # ... with the ~21 ms blocks OBS's meter saw meanwhile
SILENCE = -math.inf


SPREAD_DB = 4.0
# The leveller averages power, as loudness goes: blocks spread by SPREAD_DB (normal in dB)
# average that much above their mean dB.
LOUDER_BY = SPREAD_DB**2 * math.log(10) / 20


def power_mean_db(levels: list[float]) -> float:
    return 10 * math.log10(sum(10 ** (x / 10) for x in levels) / len(levels))


def speech(level_db: float, seconds: float, seed: int = 1) -> list[float]:
    """Blocks of speech-like levels: syllables around ``level_db``, short gaps between words."""
    rnd = random.Random(seed)
    out = []
    for i in range(round(seconds / TICK * BLOCKS)):
        if i % 15 in (13, 14):
            out.append(-95.0 + rnd.uniform(-5, 5))  # a gap between words (noise-suppressed)
        else:
            out.append(level_db + rnd.gauss(0, SPREAD_DB))
    return out


def pause(seconds: float, level_db: float = SILENCE) -> list[float]:
    return [level_db] * round(seconds / TICK * BLOCKS)


def run(lev: Leveller, pre_levels: list[float], fader_db: float = 0.0,
        muted: bool = False) -> list[float]:
    """Feed blocks as OBS would measure them: after the gain the leveller last asked for."""
    gains = []
    for chunk in (pre_levels[i:i + BLOCKS] for i in range(0, len(pre_levels), BLOCKS)):
        applied = lev.gain_db
        seen = [x + applied + fader_db for x in chunk]
        gains.append(lev.feed(seen, TICK, applied, fader_db, muted))
    return gains


@pytest.mark.parametrize("level", [-48.0, -36.0, -24.0])
def test_speakers_at_any_level_end_up_at_the_target(level: float) -> None:
    lev = Leveller(Settings(target_dbfs=-24.0))
    run(lev, speech(level, 4.0))  # within the first sentences ...
    assert lev.target_gain_db == pytest.approx(-24.0 - level - LOUDER_BY, abs=1.5)
    assert lev.gain_db == pytest.approx(lev.target_gain_db, abs=0.5)  # ... and already there
    out = [x + lev.gain_db for x in speech(level, 4.0, seed=2) if x > -90]
    assert power_mean_db(out) == pytest.approx(-24.0, abs=1.5)


def test_three_input_levels_come_out_within_a_db() -> None:
    gains = {}
    for level in (-48.0, -36.0, -24.0):
        lev = Leveller()
        run(lev, speech(level, 6.0, seed=3))
        gains[level] = level + lev.gain_db
    assert max(gains.values()) - min(gains.values()) < 1.0, gains


def test_pause_holds_the_gain() -> None:
    lev = Leveller()
    run(lev, speech(-40.0, 6.0))
    before = lev.gain_db
    gains = run(lev, pause(10.0)) + run(lev, pause(10.0, level_db=-85.0))  # silence, residue
    assert max(abs(g - before) for g in gains) < 0.05


def test_a_cough_does_not_yank_it() -> None:
    lev = Leveller()
    run(lev, speech(-40.0, 8.0))
    before = lev.gain_db
    gains = run(lev, [-15.0] * 15 + speech(-40.0, 2.0, seed=4))  # 0.3 s, 25 dB louder
    assert min(gains) > before - 2.0, (before, min(gains))  # 0.3 s in 8 s of average


def test_mute_and_fader_down_hold_everything() -> None:
    lev = Leveller()
    run(lev, speech(-40.0, 6.0))
    before, level = lev.gain_db, lev.level_db
    assert all(g == before for g in run(lev, speech(-20.0, 5.0), muted=True))
    assert all(g == before for g in run(lev, speech(-20.0, 5.0), fader_db=-math.inf))
    assert lev.level_db == level


def test_fader_is_taken_out_of_the_measurement() -> None:
    a, b = Leveller(), Leveller()
    run(a, speech(-40.0, 6.0))
    run(b, speech(-40.0, 6.0), fader_db=-12.0)
    assert b.gain_db == pytest.approx(a.gain_db, abs=0.01)


def test_a_new_speaker_is_found_within_seconds() -> None:
    lev = Leveller()
    run(lev, speech(-24.0, 15.0))
    run(lev, speech(-40.0, 4.0, seed=5))  # 16 dB quieter from now on
    assert lev.target_gain_db == pytest.approx(Settings().target_dbfs + 40.0 - LOUDER_BY, abs=2.0)
    assert lev.gain_db == pytest.approx(lev.target_gain_db, abs=1.0)


def test_gain_never_jumps_and_stays_clamped() -> None:
    s = Settings(min_gain_db=-10.0, max_gain_db=30.0, slew_db_per_s=8.0)
    lev = Leveller(s)
    gains = [0.0, *run(lev, speech(-55.0, 3.0) + speech(-70.0, 10.0) + speech(0.0, 6.0))]
    steps = [abs(b - a) for a, b in itertools.pairwise(gains)]
    assert max(steps) <= s.slew_db_per_s * TICK + 1e-9
    assert all(s.min_gain_db <= g <= s.max_gain_db for g in gains)
    assert gains[-1] == pytest.approx(s.min_gain_db)


def test_nothing_heard_yet_keeps_the_gain_it_was_given() -> None:
    lev = Leveller(gain_db=12.0)
    assert run(lev, pause(3.0)) == [12.0] * 30
    assert Leveller(gain_db=99.0).gain_db == Settings().max_gain_db


def test_settings_from_a_chain() -> None:
    s = settings_from({"target_dbfs": -20, "slew_db_per_s": 4, "unknown": 1})
    assert (s.target_dbfs, s.slew_db_per_s, s.gate_dbfs) == (-20.0, 4.0, Settings().gate_dbfs)
    assert settings_from(None) == Settings()


def test_a_louder_speaker_through_the_limiter_is_levelled_within_seconds() -> None:
    """The meter sits after the limiter: a speaker 24 dB louder than the last one reads flat
    there at first. Blocks that reach the ceiling count as too loud, so the leveller backs off
    at once instead of trusting the flattened reading."""
    s = Settings(ceiling_dbfs=-2.5)

    def limited_run(lev: Leveller, pre_levels: list[float], use_peaks: bool) -> None:
        for i in range(0, len(pre_levels), BLOCKS):
            applied = lev.gain_db
            raw = [x + applied for x in pre_levels[i:i + BLOCKS]]
            rms = [min(x, -14.0) for x in raw]  # a limiter at -2.5 on speech of ~12 dB crest
            peaks = [min(x + 12.0, -2.5) for x in raw]
            lev.feed(rms, TICK, applied, peaks_dbfs=peaks if use_peaks else None)

    out = {}
    for use_peaks in (False, True):
        lev = Leveller(s)
        limited_run(lev, speech(-44.0, 8.0), use_peaks)
        limited_run(lev, speech(-20.0, 2.0, seed=6), use_peaks)
        out[use_peaks] = -20.0 + lev.gain_db
    assert out[True] == pytest.approx(s.target_dbfs, abs=1.0), out
    assert out[True] < out[False], out


def test_a_late_tick_does_not_make_a_jump() -> None:
    lev = Leveller(Settings(slew_db_per_s=24.0))
    before = lev.feed(speech(-50.0, 0.02), 0.02, 0.0)  # it has heard the speaker ...
    after = lev.feed([], 3.0, before)  # ... and the next tick comes 3 s late
    assert abs(after - before) <= 24.0 * MAX_STEP_S + 1e-9
