"""The leveller from a cold start (no OBS): nothing learnt from what noise suppression leaves in
a room-noise lead-in, a sane gain before anyone has been heard, the first speaker found at
once, and the target in LUFS.

Issue 12: in a fresh OBS the Leveller's gain was already +11 dB when the first word came (it
had learnt from RNNoise's residue in the lead-in) and the first words ran into the limiter.
The block levels below are the ones measured after the voice chain's two RNNoise passes in
OBS 29 (bench/listen: the ``ns-only`` takes): -95 to -110 dBFS of residue, a burst of about
-58 dBFS for 85 ms when a noise starts, key clicks up to -73, a second talker across the room
at -53 to -65.
"""

from __future__ import annotations

import math
import random

import pytest

from meetcast_core.leveller import Leveller, Settings, settings_from

TICK = 0.1
BLOCKS = 5  # ~21 ms blocks per tick, as OBS's meter gives them


def feed(lev: Leveller, pre: list[float]) -> list[float]:
    """Blocks (levels before the gain) as OBS would measure them, after the applied gain."""
    gains = []
    for i in range(0, len(pre), BLOCKS):
        applied = lev.gain_db
        gains.append(lev.feed([x + applied for x in pre[i:i + BLOCKS]], TICK, applied))
    return gains


def blocks(seconds: float) -> int:
    return round(seconds / TICK * BLOCKS)


def residue(seconds: float, seed: int = 1, bursts_every_s: float = 0.7,
            burst_db: float = -58.0) -> list[float]:
    """What two RNNoise passes leave of room noise: -95 to -110 dBFS, and now and then a
    burst of 4 blocks (85 ms) at ``burst_db`` (seen at noise onsets)."""
    rnd = random.Random(seed)
    out = [rnd.uniform(-110.0, -95.0) for _ in range(blocks(seconds))]
    step = max(1, blocks(bursts_every_s))
    for i in range(0, len(out) - 4, step):
        out[i:i + 4] = [burst_db + rnd.uniform(-3, 3) for _ in range(4)]
    return out


def talk(level_db: float, seconds: float, seed: int = 2) -> list[float]:
    """Speech blocks around ``level_db`` with short gaps (residue) between words."""
    rnd = random.Random(seed)
    return [rnd.uniform(-105, -95) if i % 15 in (13, 14) else level_db + rnd.gauss(0, 4.0)
            for i in range(blocks(seconds))]


def test_residue_and_its_bursts_teach_nothing() -> None:
    lev = Leveller()
    gains = feed(lev, residue(6.0))
    assert not lev.heard
    assert set(gains) == {0.0}


def test_key_clicks_in_the_lead_in_teach_nothing() -> None:
    rnd = random.Random(3)
    pre = residue(6.0, bursts_every_s=99)
    for i in range(0, len(pre) - 2, 7):  # a click every 0.14 s, one or two blocks each
        pre[i:i + rnd.choice((1, 2))] = [-73.0 + rnd.uniform(-4, 4)] * 2
    lev = Leveller()
    assert set(feed(lev, pre)) == {0.0}
    assert not lev.heard


def test_a_second_talker_across_the_room_is_not_the_speaker() -> None:
    """Talking all through the lead-in at -60 dBFS: no speaker to level (it does not stand out
    of the room), so the gain stays at the start gain; the real speaker, 14 dB above them,
    is found."""
    lev = Leveller()
    room = [x if x > -90 else -68.0 for x in talk(-60.0, 4.0, seed=4)]
    assert set(feed(lev, room)) == {0.0}
    assert not lev.heard
    feed(lev, talk(-46.0, 2.0, seed=5))
    assert lev.heard
    assert lev.target_gain_db == pytest.approx(Settings().target_rms_dbfs + 46.0, abs=3.0)


def test_a_saved_high_gain_is_not_where_a_cold_start_begins() -> None:
    """Last session's +25 dB (a quiet speaker) is capped at the start gain (0 dB) until
    someone is heard: a loud first speaker never comes out louder than at the microphone."""
    lev = Leveller(gain_db=25.0)
    assert lev.gain_db == Settings().start_gain_db == 0.0
    gains = feed(lev, residue(3.0) + talk(-10.0, 3.0))  # a speaker who needs about -5 dB
    assert max(gains) <= 0.0 + 1e-9
    assert gains[-1] == pytest.approx(lev.target_gain_db, abs=0.5) and gains[-1] < -3.0


def test_the_first_speaker_is_levelled_within_a_second_and_a_half() -> None:
    """A quiet first speaker (-46 dBFS) after a lead-in of residue: heard after 0.2 s of
    speech, then the gain glides there fast (far from its target: ``far_slew_db_per_s``)."""
    s = Settings()
    lev = Leveller(s)
    feed(lev, residue(3.0))
    gains = feed(lev, talk(-46.0, 3.0))
    want = s.target_rms_dbfs + 46.0
    t_reached = next(i for i, g in enumerate(gains) if g >= want - 3.0) * TICK
    assert t_reached <= 1.5, gains
    assert gains[-1] == pytest.approx(lev.target_gain_db, abs=1.0)


def test_the_target_is_in_lufs() -> None:
    """-16 LUFS by default (the loudest AES TD1004.1.15-10 allows a stream: see leveller.py),
    read on the meter as speech RMS: LUFS minus the measured offset for speech."""
    s = Settings()
    assert s.target_lufs == -16.0
    assert s.target_rms_dbfs == pytest.approx(-16.0 - s.lufs_offset_db)
    assert Settings(target_lufs=-18.0).target_rms_dbfs == pytest.approx(-17.5)
    # the older way (speech RMS, dBFS) still works and wins when given
    assert settings_from({"target_dbfs": -20}).target_rms_dbfs == -20.0
    assert math.isnan(settings_from({}).target_dbfs)


def test_a_steady_hum_above_the_gate_is_a_floor_not_a_speaker() -> None:
    """No noise suppression (the zoom chain) and a room at -60 dBFS, above the absolute gate:
    the floor tracker holds the gate above it, and a speaker 20 dB louder is still found."""
    rnd = random.Random(6)
    lev = Leveller()
    hum = [-60.0 + rnd.uniform(-1, 1) for _ in range(blocks(6.0))]
    assert set(feed(lev, hum)) == {0.0}
    assert not lev.heard
    feed(lev, [max(x, h) for x, h in zip(talk(-40.0, 2.0), hum, strict=False)])
    assert lev.heard


def test_a_noise_onset_burst_just_before_the_first_words_is_no_hot_start() -> None:
    """RNNoise lets 85 ms of a noise through when it starts (-58 dBFS, measured). A speaker who
    starts within half a second of that must be levelled from their own words: with the first
    speaker heard after only 0.1 s of speech (tried), the burst and a word's first blocks made a
    level near -55 and a loud speaker met +34 dB (OBS 29, tests/test_audio_obs.py, seen here)."""
    lev = Leveller()
    pre = residue(2.0, bursts_every_s=99) + [-58.0] * 4 + residue(0.3, bursts_every_s=99)
    gains = feed(lev, pre + talk(-10.0, 3.0, seed=6))
    settled = Settings().target_rms_dbfs + 10.0
    assert max(gains) <= max(0.0, settled) + 3.0, gains
