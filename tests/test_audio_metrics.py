"""The audio bench's measurement (meetcast.lab.audio_metrics) on made-up recordings, no OBS.

What matters: following an inserted OBS audio tick recovers the true preservation, while a
chain that really chops words still scores low; following ticks must not forgive that.
"""

from __future__ import annotations

import numpy as np
import pytest

from meetcast.lab import audio_metrics as am
from meetcast.lab import signals

LEAD = 5000  # where the signal starts in the fake recording


@pytest.fixture(scope="module")
def clean() -> np.ndarray:
    return 0.25 * signals.speech(signals.PHRASES[:2], pause_s=0.8)


def recording(x: np.ndarray) -> np.ndarray:
    return np.concatenate([np.zeros(LEAD), x, np.zeros(20000)])


def word_onsets(clean: np.ndarray) -> list[int]:
    """Samples where the speech rises out of a dip of at least 30 ms (word and syllable onsets)."""
    env = am.frame_rms(clean, 480)
    quiet = env < 0.1 * env.max()
    return [i * 480 for i in range(3, len(env)) if not quiet[i] and quiet[i - 3: i].all()]


def test_a_faithful_recording_scores_one_and_has_no_ticks(clean: np.ndarray) -> None:
    m = am.measure(recording(clean), clean, LEAD)
    assert m.preservation > 0.999
    assert (m.ticks_inserted, m.ticks_dropped) == (0, 0)


@pytest.mark.parametrize("where", [0.35, 0.55, 0.8])
def test_an_inserted_tick_is_followed_and_counted(clean: np.ndarray, where: float) -> None:
    cut = int(where * len(clean))
    slipped = np.concatenate([clean[:cut], np.zeros(am.AUDIO_TICK), clean[cut:]])
    m = am.measure(recording(slipped), clean, LEAD)
    assert m.ticks_inserted == 1 and m.ticks_dropped == 0
    assert m.preservation_one_offset < 0.97  # what the bench reported before
    assert m.preservation > 0.98


def test_a_dropped_tick_is_counted_as_dropped(clean: np.ndarray) -> None:
    cut = len(clean) // 2
    short = np.concatenate([clean[:cut], clean[cut + am.AUDIO_TICK:]])
    m = am.measure(recording(short), clean, LEAD)
    assert (m.ticks_inserted, m.ticks_dropped) == (0, 1)


def test_chopped_word_onsets_still_score_low(clean: np.ndarray) -> None:
    """A gate that eats the first 60 ms of each word: following ticks forgives nothing."""
    onsets = word_onsets(clean)
    assert len(onsets) >= 5
    chopped = clean.copy()
    for o in onsets:
        chopped[o: o + int(0.06 * am.RATE)] = 0.0
    m = am.measure(recording(chopped), clean, LEAD)
    assert m.ticks_inserted == m.ticks_dropped == 0
    assert m.preservation < 0.97
    assert m.preservation == pytest.approx(m.preservation_one_offset, abs=1e-9)


def test_a_partial_slip_that_is_not_a_whole_tick_is_not_forgiven(clean: np.ndarray) -> None:
    """A 7 ms slip is not OBS's tick: it stays counted against the chain."""
    cut = len(clean) // 2
    slipped = np.concatenate([clean[:cut], np.zeros(336), clean[cut:]])
    m = am.measure(recording(slipped), clean, LEAD)
    assert m.ticks_inserted == 0
    assert m.preservation == pytest.approx(m.preservation_one_offset, abs=1e-9)
