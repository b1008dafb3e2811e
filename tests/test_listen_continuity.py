"""The listener bench's continuity check (bench/listen/continuity.py) on made-up recordings.

What matters: audio inserted or skipped inside speech is found, with its size and sign, and
told apart from OBS's whole-tick insertion; chopped words (silence, not a time shift) are not
mistaken for a jump, so following the jumps forgives nothing else.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from listen import continuity

from meetcast.lab import signals

LEAD = 7000


@pytest.fixture(scope="module")
def clean() -> np.ndarray:
    return 0.25 * signals.speech(signals.PHRASES[:2], pause_s=0.6)


def inside_speech(clean: np.ndarray) -> int:
    """A sample in the middle of a loud stretch of the first phrase."""
    env = np.abs(clean)
    idx = np.flatnonzero(env > 0.5 * env.max())
    return int(idx[len(idx) // 4])


def test_an_inserted_tick_inside_speech_is_found(clean: np.ndarray) -> None:
    at = inside_speech(clean)
    rec = np.concatenate([np.zeros(LEAD), clean[:at], np.zeros(continuity.TICK), clean[at:],
                          np.zeros(9000)])
    jumps = continuity.jumps(rec, clean, LEAD)
    assert len(jumps) == 1, jumps
    j = jumps[0]
    assert j.samples == continuity.TICK and j.in_speech and j.whole_ticks
    assert abs(j.at_s - at / signals.RATE) < 0.1
    x, _ = continuity.follow(rec, clean, LEAD)
    assert np.corrcoef(x, clean)[0, 1] > 0.99  # realigned across it


def test_skipped_audio_is_found_and_is_not_a_tick(clean: np.ndarray) -> None:
    at, gap = inside_speech(clean), int(0.052 * signals.RATE)  # issue 12: 52 ms went missing
    rec = np.concatenate([np.zeros(LEAD), clean[:at], clean[at + gap:], np.zeros(9000)])
    jumps = continuity.jumps(rec, clean, LEAD)
    assert [(j.in_speech, j.whole_ticks) for j in jumps] == [(True, False)], jumps
    assert abs(jumps[0].samples + gap) <= 2  # to the sample, give or take the filters' phase


def test_a_jump_in_a_pause_is_counted_apart(clean: np.ndarray) -> None:
    quiet = np.flatnonzero(np.abs(clean) < 1e-5)
    at = int(quiet[len(quiet) // 2])  # inside the pause between the phrases
    rec = np.concatenate([np.zeros(LEAD), clean[:at], np.zeros(2 * continuity.TICK), clean[at:],
                          np.zeros(9000)])
    jumps = continuity.jumps(rec, clean, LEAD)
    assert [(j.samples, j.in_speech) for j in jumps] == [(2 * continuity.TICK, False)]


def test_chopped_words_are_not_jumps(clean: np.ndarray) -> None:
    """60 ms taken off every word onset (a gate that opens late) shifts nothing in time."""
    x = clean.copy()
    loud = np.abs(x) > 0.05 * np.abs(x).max()
    onsets = np.flatnonzero(loud[1:] & ~np.convolve(loud, np.ones(2400), "full")[:len(x) - 1]
                            .astype(bool))
    for o in onsets:
        x[o: o + int(0.06 * signals.RATE)] = 0.0
    rec = np.concatenate([np.zeros(LEAD), x, np.zeros(9000)])
    assert continuity.jumps(rec, clean, LEAD) == []


def test_a_lag_that_wavers_and_comes_back_is_no_jump(clean: np.ndarray) -> None:
    """8 ms late for a moment and back (the lag estimate on a squashed onset): nothing was
    skipped or inserted, so nothing is counted."""
    at, d = inside_speech(clean), int(0.0086 * signals.RATE)
    back = at + int(0.2 * signals.RATE)
    rec = np.concatenate([np.zeros(LEAD), clean[:at], np.zeros(d), clean[at:back - d],
                          clean[back:], np.zeros(9000)])
    assert continuity.jumps(rec, clean, LEAD) == []
