"""The slow leveller: which gain makes this speaker come out at the target loudness.

Why not OBS's compressor: its longest release is 1 s and its attack at most 500 ms, so its
gain follows phrases and rises in every pause; the first syllables after a pause come out
louder than the rest, which the benchmark measures as a damaged speech envelope (rank
correlation 0.96 where RNNoise alone keeps 0.99). A meetup speaker's level changes over
seconds (a step back from the microphone, the next speaker), not per syllable.

So the script measures the level of the audio blocks OBS processes (an OBS volume meter on the
source, after its filters and fader) and sets the ``db`` of a plain gain filter in the chain.
This module is the decision, over plain numbers, so it is tested without OBS:

- A block is speech when its level *before* this leveller's gain and the fader is above an
  absolute gate (after noise suppression, pauses are far below it).
- The speech level is a long average of the blocks' power (seconds of *speech* time), as a
  listener's loudness is: quiet word endings and the gaps between words barely count, so the
  estimate does not depend on how many of them pass the gate at a given input level (an
  average of dB did: measured in OBS, 7 dB lower than the speech RMS and level-dependent).
  Each block counts at most ``pull_limit_db`` above the current estimate, so a cough or a
  laugh barely moves it. It starts as a plain running mean, so the first sentence sets it.
- A new speaker (or a microphone moved): when a short (0.3 s) average stays 6 dB or more
  away from the long one for half a second of speech, the long one restarts from it — a
  cough is too short for that (it moves the gain by under 2 dB). Only coming back within
  3 dB cancels the count: real speech dips between syllables, so the short average of a
  speaker 12 dB louder than the last hovered around 6 dB away while the long one crept up,
  and with every dip resetting the count, that speaker was levelled only after 9 s of
  speech (tests/test_leveller_speech.py).
- The gain is target minus that level, clamped, and moves at a limited rate (no jumps). In
  pauses nothing is learnt, so the target gain holds; muted (or faded out), everything holds.
- The meter sits after the chain's limiter. Were the gain too high (the previous speaker was
  quieter), the limiter would flatten what the meter reads, the level would look too low and
  the gain would stay too high — a trap. So a block whose peak reaches the ceiling counts as
  ``pull_limit_db`` louder than the gain then applied was set for: the leveller backs off
  whenever the limiter works (relative to the applied gain, not to its own estimate, which
  may already have moved: that way it cannot run away while the gain glides).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Settings:
    """How the leveller behaves. Chains set these (``leveller:`` on a gain step)."""

    target_dbfs: float = -23.0  # the speech level (RMS over speech) to reach
    gate_dbfs: float = -70.0  # blocks quieter than this before the gain are pauses
    relative_gate_db: float = 20.0  # ... and those this far below the short level
    average_s: float = 8.0  # speech time of the long average
    short_s: float = 0.3  # speech time of the short average (new-speaker detection)
    new_speaker_db: float = 6.0  # short vs long difference that means a new level ...
    new_speaker_s: float = 0.5  # ... when it lasts this much speech time
    pull_limit_db: float = 10.0  # one block moves the long average as if at most this far
    min_gain_db: float = -10.0
    max_gain_db: float = 30.0
    slew_db_per_s: float = 24.0  # fastest gain change
    min_fader_db: float = -60.0  # a fader below this counts as muted
    ceiling_dbfs: float = 0.0  # the chain's limiter threshold (set from the chain)
    ceiling_margin_db: float = 1.0  # a block peaking within this of the ceiling was limited


MAX_STEP_S = 0.25  # the gain moves by at most this much time's slew in one call

SETTING_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Settings))


def settings_from(values: Mapping[str, Any] | None) -> Settings:
    """Settings from a plain mapping (a chain's ``leveller:`` block); unknown keys ignored."""
    values = values or {}
    return Settings(**{k: float(values[k]) for k in SETTING_NAMES if k in values})


def _mean_db(avg_db: float, x_db: float, weight: float) -> float:
    """One step of an exponential average of power, in and out in dB."""
    p = (1.0 - weight) * 10.0 ** (avg_db / 10.0) + weight * 10.0 ** (x_db / 10.0)
    return 10.0 * math.log10(p) if p > 0 else avg_db


def _clip(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


class Leveller:
    """State of one source's leveller. Feed it what the meter saw; it returns the gain (dB)."""

    def __init__(self, settings: Settings = Settings(), gain_db: float = 0.0) -> None:
        self.s = settings
        self.gain_db = _clip(gain_db, settings.min_gain_db, settings.max_gain_db)
        self.level_db: float | None = None  # long average: the speaker's level
        self.short_db: float | None = None
        self.speech_s = 0.0  # speech time since the long average (re)started
        self._away_s = 0.0  # speech time the short average has been far from the long

    @property
    def target_gain_db(self) -> float:
        """The gain the leveller is heading for (the current one until speech was heard)."""
        if self.level_db is None:
            return self.gain_db
        return _clip(self.s.target_dbfs - self.level_db, self.s.min_gain_db, self.s.max_gain_db)

    def feed(self, levels_dbfs: Iterable[float], dt: float, applied_gain_db: float,
             fader_db: float = 0.0, muted: bool = False,
             peaks_dbfs: Iterable[float] | None = None) -> float:
        """Take ``dt`` seconds of meter blocks; return the gain to apply now.

        ``levels_dbfs``: each block's RMS level as measured AFTER the source's filters and
        fader (what an OBS volume meter reports); ``applied_gain_db`` the leveller gain in
        effect while they were measured, ``fader_db`` the source's volume. Subtracting both
        gives the level the leveller sees before its own gain. ``peaks_dbfs``: each block's
        sample peak, measured alike (where the limiter may have acted).
        """
        levels = list(levels_dbfs)
        peaks = list(peaks_dbfs) if peaks_dbfs is not None else [-math.inf] * len(levels)
        limit_at = self.s.ceiling_dbfs - self.s.ceiling_margin_db + fader_db
        if muted or fader_db < self.s.min_fader_db or dt <= 0:
            return self.gain_db  # nobody hears it, and what it hears is no guide: hold
        if levels:
            block_s = dt / len(levels)
            for level, peak in zip(levels, peaks, strict=False):
                self._block(level - applied_gain_db - fader_db, block_s,
                            peak >= limit_at, applied_gain_db)
        step = self.s.slew_db_per_s * min(dt, MAX_STEP_S)  # a late tick is no excuse to jump
        self.gain_db += _clip(self.target_gain_db - self.gain_db, -step, step)
        return self.gain_db

    def _block(self, pre_db: float, block_s: float, limited: bool = False,
               applied_gain_db: float = 0.0) -> None:
        s = self.s
        if not math.isfinite(pre_db) or pre_db < s.gate_dbfs:
            return  # a pause: learn nothing
        # No block counts more than pull_limit_db above the speaker's level: a cough cannot
        # yank either average. A limited block's true level is unknown, but it was too loud
        # for the gain then applied: it counts that much above what that gain was set for
        # (not above the average, which may already have moved on: no runaway).
        if limited:
            x = max(pre_db, s.target_dbfs - applied_gain_db + s.pull_limit_db)
        else:
            x = pre_db if self.level_db is None else min(pre_db,
                                                          self.level_db + s.pull_limit_db)
        # short average: every block above the gate (it must find a new, quieter speaker)
        if self.short_db is None:
            self.short_db = x
        else:
            self.short_db = _mean_db(self.short_db, x, min(1.0, block_s / s.short_s))
        if self.level_db is None:
            self._restart(x, block_s)  # the first block starts a plain running mean
            return
        if x < self.short_db - s.relative_gate_db:
            return  # a quiet word ending: counted alike at every input level by not counting
        self.speech_s += block_s
        weight = block_s / min(s.average_s, self.speech_s)  # running mean, then exponential
        self.level_db = _mean_db(self.level_db, x, weight)
        self._watch_for_new_speaker(block_s)

    def _watch_for_new_speaker(self, block_s: float) -> None:
        """Restart the long average when the short one stays far from it."""
        away = abs(self.short_db - self.level_db)
        if away > self.s.new_speaker_db:
            self._away_s += block_s
            if self._away_s >= self.s.new_speaker_s:
                self._restart(self.short_db, block_s)
        elif away < self.s.new_speaker_db / 2:
            self._away_s = 0.0

    def _restart(self, level_db: float, weight_s: float) -> None:
        """The long average starts over from ``level_db``, worth ``weight_s`` of speech."""
        self.level_db = level_db
        self.speech_s = weight_s
        self._away_s = 0.0
