"""The slow leveller: which gain brings this speaker to the target loudness (LUFS).

Why not OBS's compressor: its longest release is 1 s and its attack at most 500 ms, so its
gain follows phrases and rises in every pause; the first syllables after a pause come out
louder than the rest (rank correlation of the speech envelope 0.96 where RNNoise alone keeps
0.99). A meetup speaker's level changes over seconds (a step back from the microphone, the
next speaker), not per syllable.

So the script measures the audio blocks OBS processes (an OBS volume meter on the source, after
its filters and fader: RMS and peak per block) and sets the ``db`` of a plain gain filter in the
chain. This module is the decision, over plain numbers, so it is tested without OBS.

Loudness. The target is BS.1770 integrated loudness (LUFS): -16 by default, the loudest AES
TD1004.1.15-10 allows a stream (-16 to -20 LUFS, peaks at most -1 dBTP), the level Apple asks
of podcasts, and just under what YouTube and Spotify turn louder streams down to (-14). The
meter gives plain RMS; K-weighting each sample in Python inside OBS would cost the audio thread
far too much. For speech the two differ by an almost constant amount: over the bench's 24
espeak-ng turns (six voices, Japanese among them, speech peaks -30 to -6 dBFS) integrated
loudness was the power mean of the speech blocks minus 0.2 to 1.3 dB (mean 0.5,
``lufs_offset_db``); the bench checks the result in LUFS with pyloudnorm (docs/audio-chain.md).

What it does, block by block (levels *before* this gain and the fader):

- **A noise floor and a speech gate relative to it.** The floor is a low quantile
  (``floor_quantile``) over the last ``floor_window_s`` of the quietest block in each 0.1 s:
  what noise suppression leaves in the pauses (-95 to -110 dBFS after the voice chain's two
  RNNoise passes, measured), or a room that is never silent (a second talker across the room:
  about -65). A block is speech only when it is above the absolute gate AND ``floor_gate_db``
  above that floor. Nothing is learnt from pauses, and the gain holds there.
- **No hot start.** Until a speaker has been heard the gain is at most ``start_gain_db`` (0 dB:
  nobody comes out louder than they are at the microphone), whatever gain the filter had. The
  first speaker counts as heard after ``acquire_s`` of speech, none of it more than
  ``acquire_gap_s`` apart, whose level stands ``acquire_above_floor_db`` out of the floor: the
  burst RNNoise lets through when a noise starts (-58 dBFS for 85 ms, measured), a click, or
  a second talker across the room does not add up to that. (0.1 s was tried: a quiet first
  speaker was lifted a quarter of a second sooner in the replay, but in OBS the noise-onset
  burst and a word's first blocks then made a level near -55 dBFS and a loud speaker met
  +34 dB: tests/test_leveller_cold.py keeps that out.)
- **The level** is a long average of the speech blocks' power (``average_s`` of speech), as
  loudness goes: a plain running mean at first. Each block counts at most ``pull_limit_db``
  above it: a cough barely moves it.
- **A new speaker** (or a microphone moved): when a short average (a plain power mean over the
  last ``short_s`` of speech: an exponential one would hide a quieter speaker under the last
  one's decay) stays ``new_speaker_db`` below the long one for ``new_speaker_s`` of speech, or
  ``louder_db`` above it for ``louder_s``, the long one restarts from it. Only blocks that are
  themselves that far count towards that time (after a cough the short window still holds it
  for a moment), and only coming back within half that cancels the count: speech dips
  between syllables.
- **The gain** is the target minus that level, clamped, and moves at most ``slew_db_per_s`` up
  and ``fall_db_per_s`` down near the target, ``far_slew_db_per_s`` either way when more than
  ``far_db`` away (a quieter new speaker: levelled within 2 s). Muted (or faded out),
  everything holds.
- **The limiter.** The meter sits after the chain's limiter, which at -16 LUFS takes the top off
  many a speech peak (espeak-ng's peaks stand 15-21 dB above its loudness): for a levelled voice
  that is normal, and its RMS still reads at the target. A gain that is too high (the previous
  speaker was 24 dB quieter) reads only a few dB too loud after the limiter, whatever the
  excess (0.5-3.8 dB per 0.25 s for 21 dB too loud, measured in OBS). So when much of the
  recent speech (``squashed_share``) reaches the ceiling AND reads ``squashed_above_db`` above
  the target, for ``squash_s``, the level is taken to be ``squash_step_db`` above what the
  applied gain was set for — a step down — and again once the short window has refilled,
  until the limiter lets go. That reading saturates: after OBS's limiter at -2.5 dBFS a speaker
  24 dB too loud reads +1..+4 dB, about what a levelled peaky voice reads (measured on the
  bench's recordings, bench/listen/sim.py), so two more rules, both from the replay:
  - **A second at the ceiling.** When ``squash_window_share`` of the last ``squash_window_s``
    of speech peaked within ``squash_margin_db`` of the ceiling, the gain steps down too,
    whatever the reading (then judged again on half a window). A levelled voice did that on at
    most 57 % of a second's 10 ms blocks, one 12 dB or more too loud on at least
    63 % (median).
  - **Limited blocks cannot pull the level down.** A block the limiter took the top off was at
    least as loud as it reads; below the level it counts as the level. Before, after a step
    down the still-squashed blocks read low and undid the step within a tick.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Settings:
    """How the leveller behaves. Chains set these (``leveller:`` on a gain step)."""

    target_lufs: float = -16.0  # the speech's integrated loudness (BS.1770) to reach
    target_dbfs: float = math.nan  # the older way to give it: speech RMS (meter dBFS)
    lufs_offset_db: float = -0.5  # speech: LUFS minus the meter's gated RMS level (measured)
    gate_dbfs: float = -70.0  # blocks quieter than this before the gain are pauses ...
    floor_gate_db: float = 6.0  # ... and those less than this above the noise floor
    floor_window_s: float = 4.0  # the floor: a low quantile of 0.1 s steps over this time
    floor_quantile: float = 0.2
    acquire_above_floor_db: float = 15.0  # the first speaker stands out this far from it
    relative_gate_db: float = 20.0  # ... and those this far below the short level don't count
    average_s: float = 8.0  # speech time of the long average
    short_s: float = 0.25  # speech time of the short average (new-speaker detection)
    acquire_s: float = 0.2  # speech time before the first speaker's level is trusted ...
    acquire_gap_s: float = 0.5  # ... with no pause longer than this within it
    new_speaker_db: float = 6.0  # short vs long difference that means a new level ...
    new_speaker_s: float = 0.35  # ... when it lasts this much speech time
    louder_db: float = 4.0  # ... or this much louder ...
    louder_s: float = 0.45  # ... for this long (a cough or a laugh is shorter)
    pull_limit_db: float = 10.0  # one block moves the long average as if at most this far
    min_gain_db: float = -10.0
    max_gain_db: float = 36.0  # speech peaking at -30 dBFS is about -49 LUFS at the microphone
    start_gain_db: float = 0.0  # the highest gain before anyone has been heard
    slew_db_per_s: float = 24.0  # fastest gain rise ...
    fall_db_per_s: float = 48.0  # ... and fall, near the target
    far_db: float = 6.0  # further than this from the target gain (a new speaker) ...
    far_slew_db_per_s: float = 110.0  # ... it moves this fast either way
    min_fader_db: float = -60.0  # a fader below this counts as muted
    ceiling_dbfs: float = 0.0  # the chain's limiter threshold (set from the chain)
    ceiling_margin_db: float = 1.0  # a block peaking within this of the ceiling was limited
    squashed_share: float = 0.45  # speech limited this often, recently, ...
    squashed_above_db: float = 2.0  # ... and reading this far above the target: squashed
    squash_s: float = 0.25  # ... for this much speech (a loud phrase is shorter): the gain
    squash_step_db: float = 10.0  # ... steps down by this much (again once the window refilled)
    squash_window_s: float = 1.0  # and over this much speech ...
    squash_margin_db: float = 4.0  # ... blocks peaking within this of the ceiling ...
    squash_window_share: float = 0.65  # ... this often: squashed too, whatever the reading

    @property
    def target_rms_dbfs(self) -> float:
        """The target as the meter reads speech: RMS over speech blocks, dBFS."""
        if not math.isnan(self.target_dbfs):
            return self.target_dbfs
        return self.target_lufs - self.lufs_offset_db


MAX_STEP_S = 0.25  # the gain moves by at most this much time's slew in one call
SILENCE_DBFS = -100.0  # a quieter block (digital silence included) counts as this
FLOOR_STEP_S = 0.1  # the floor is taken from the quietest block of each such step

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
        # Before anyone is heard: never above the start gain (a saved +25 dB from last week's
        # quiet speaker would greet a loud one 25 dB too loud).
        self.gain_db = _clip(gain_db, settings.min_gain_db,
                             min(settings.max_gain_db, settings.start_gain_db))
        self.level_db: float | None = None  # long average: the speaker's level
        self.short_db: float | None = None  # power mean of the last short_s of speech
        self._short: deque[tuple[float, float, bool]] = deque()  # (power x s, s, limited)
        self._short_p = self._short_s = self._short_limited_s = 0.0
        self.floor_db: float | None = None  # the noise floor: the quiet end of 0.1 s levels
        self._steps: deque[float] = deque(maxlen=max(1, round(settings.floor_window_s
                                                              / FLOOR_STEP_S)))
        self._step_min = math.inf  # the quietest block towards the next 0.1 s step ...
        self._step_s = 0.0  # ... over this much time
        self.speech_s = 0.0  # speech time since the long average (re)started
        self._away_s = 0.0  # speech time the short average has been far from the long
        self._acquire_p = 0.0  # first speaker: summed power x time of its speech so far ...
        self._acquire_s = 0.0  # ... and that speech time
        self._pause_s = 0.0  # time since the last speech block
        self._squash_s = 0.0  # speech time the limiter has been squashing it
        # the last squash_window_s of speech: (seconds, peaked near the ceiling)
        self._win: deque[tuple[float, bool]] = deque()
        self._win_s = self._win_near_s = 0.0
        self._stepped = False  # the last restart was a squash step: judge on half a window

    @property
    def target_gain_db(self) -> float:
        """The gain the leveller is heading for (the current one until speech was heard)."""
        if self.level_db is None:
            return self.gain_db
        return _clip(self.s.target_rms_dbfs - self.level_db, self.s.min_gain_db,
                     self.s.max_gain_db)

    @property
    def heard(self) -> bool:
        """A speaker has been heard (the leveller knows a level)."""
        return self.level_db is not None

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
        if muted or fader_db < self.s.min_fader_db or dt <= 0:
            return self.gain_db  # nobody hears it, and what it hears is no guide: hold
        ceiling = self.s.ceiling_dbfs + fader_db
        if levels:
            block_s = dt / len(levels)
            for level, peak in zip(levels, peaks, strict=False):
                headroom = ceiling - peak if peak == peak else math.inf  # NaN: not limited
                self._block(level - applied_gain_db - fader_db, block_s,
                            headroom <= self.s.ceiling_margin_db, applied_gain_db,
                            near=headroom <= self.s.squash_margin_db)
        t = min(dt, MAX_STEP_S)  # a late tick is no excuse to jump
        want = self.target_gain_db - self.gain_db
        far = abs(want) > self.s.far_db
        up = self.s.far_slew_db_per_s if far else self.s.slew_db_per_s
        down = self.s.far_slew_db_per_s if far else self.s.fall_db_per_s
        self.gain_db += _clip(want, -down * t, up * t)
        return self.gain_db

    def _track_floor(self, pre_db: float, block_s: float) -> None:
        """The floor: a low quantile of the last seconds' 0.1 s power averages. Pauses between
        sentences reach down to it; a room that is never silent (fans, a second talker across
        the room, what noise suppression leaves) holds it up."""
        self._step_min = min(self._step_min, pre_db)
        self._step_s += block_s
        if self._step_s >= FLOOR_STEP_S - 1e-9:
            self._steps.append(self._step_min)
            self._step_min, self._step_s = math.inf, 0.0
            ordered = sorted(self._steps)
            self.floor_db = ordered[int(self.s.floor_quantile * (len(ordered) - 1))]

    def is_speech(self, pre_db: float) -> bool:
        """Above the absolute gate and far enough above the noise floor."""
        floor = SILENCE_DBFS if self.floor_db is None else self.floor_db
        return pre_db >= self.s.gate_dbfs and pre_db >= floor + self.s.floor_gate_db

    def _squashed(self, applied_gain_db: float) -> bool:
        """The limiter flattens most of the recent speech, and what is left reads above the
        target: the gain is too high, by how much the meter cannot tell (after the limiter the
        RMS of speech hardly rises past the target + 6 dB, measured). A voice with high peaks,
        levelled, hits the ceiling often too, but reads at the target."""
        return (self._short_s >= self.s.short_s - 1e-9
                and self._short_limited_s >= self.s.squashed_share * self._short_s
                and self.short_db + applied_gain_db
                >= self.s.target_rms_dbfs + self.s.squashed_above_db)

    def _push_short(self, x_db: float, block_s: float, limited: bool) -> None:
        """The short average: a plain power mean over the last ``short_s`` of speech (a box,
        not an exponential: a speaker 24 dB quieter would hide under the last one's decay)."""
        p = 10.0 ** (x_db / 10.0) * block_s
        self._short.append((p, block_s, limited))
        self._short_p += p
        self._short_s += block_s
        self._short_limited_s += block_s if limited else 0.0
        while len(self._short) > 1 and self._short_s - self._short[0][1] >= self.s.short_s:
            q, t, lim = self._short.popleft()
            self._short_p -= q
            self._short_s -= t
            self._short_limited_s -= t if lim else 0.0
        self.short_db = 10.0 * math.log10(max(self._short_p, 1e-30) / self._short_s)

    def _push_window(self, block_s: float, near: bool) -> None:
        """The longer view of the limiter: how much of the last ``squash_window_s`` of speech
        peaked near the ceiling. A levelled voice does so now and then (on 1 s of espeak-ng
        speech at the target, at most 57 % of the 10 ms blocks peaked within 4 dB of it; a
        Japanese or klatt voice as often as an English one); one 12 dB or more too loud
        does so on at least 63 % (median), whatever its level then reads."""
        self._win.append((block_s, near))
        self._win_s += block_s
        self._win_near_s += block_s if near else 0.0
        while len(self._win) > 1 and self._win_s - self._win[0][0] >= self.s.squash_window_s:
            t, n = self._win.popleft()
            self._win_s -= t
            self._win_near_s -= t if n else 0.0

    def _squashed_long(self) -> bool:
        """Most of the last second of speech (half a second right after a step down) peaked
        near the ceiling: the gain is too high, however flat the limiter made the reading."""
        need = self.s.squash_window_s / (2.0 if self._stepped else 1.0)
        return (self._win_s >= need - 1e-9
                and self._win_near_s >= self.s.squash_window_share * self._win_s)

    def _block(self, pre_db: float, block_s: float, limited: bool = False,
               applied_gain_db: float = 0.0, near: bool = False) -> None:
        s = self.s
        pre_db = pre_db if pre_db > SILENCE_DBFS else SILENCE_DBFS  # -inf and NaN too
        self._track_floor(pre_db, block_s)
        if not self.is_speech(pre_db):
            self._pause_s += block_s
            if self._pause_s > s.acquire_gap_s:  # a burst here and there is no speaker
                self._acquire_p = self._acquire_s = 0.0
            return  # a pause: learn nothing
        self._pause_s = 0.0
        # No block counts more than pull_limit_db above the speaker's level: a cough cannot
        # yank either average. While the limiter squashes the speech the true level is
        # unknown, but it was too loud for the gain then applied: each block counts that much
        # above what that gain was set for (not above the average, which may already have
        # moved on: no runaway), so the gain steps down until the limiter lets go.
        x = pre_db if self.level_db is None else min(pre_db, self.level_db + s.pull_limit_db)
        self._push_short(x, block_s, limited)
        self._push_window(block_s, near)
        if self.level_db is not None and (self._squashed(applied_gain_db)
                                          or self._squashed_long()):
            self._squash_s += block_s
            if self._squash_s >= s.squash_s - 1e-9 or self._squashed_long():
                # one step down now; the next only once the windows have refilled at it
                self._restart(s.target_rms_dbfs - applied_gain_db + s.squash_step_db, block_s)
                self._stepped = True
                return
        else:
            self._squash_s = 0.0
        if self.level_db is None:
            self._acquire(x, block_s)
            return
        if limited and x < self.level_db:
            # The limiter took the top off this block: it was at least this loud, by how much
            # more the meter cannot say. Counted as the level, it neither pulls the level
            # down (after a step down the squashed blocks would undo it) nor up.
            x = self.level_db
        if self.short_db is not None and x < self.short_db - s.relative_gate_db:
            return  # a quiet word ending: counted alike at every input level by not counting
        self.speech_s += block_s
        weight = block_s / min(s.average_s, self.speech_s)  # running mean, then exponential
        self.level_db = _mean_db(self.level_db, x, weight)
        self._watch_for_new_speaker(x, block_s)

    def _acquire(self, x_db: float, block_s: float) -> None:
        """The first speaker: a plain power mean of their first ``acquire_s`` of speech, if it
        stands out from the floor (a second talker across the room does not)."""
        self._acquire_p += 10.0 ** (x_db / 10.0) * block_s
        self._acquire_s += block_s
        if self._acquire_s >= self.s.acquire_s - 1e-9:
            level = 10.0 * math.log10(self._acquire_p / self._acquire_s)
            floor = SILENCE_DBFS if self.floor_db is None else self.floor_db
            if level >= floor + self.s.acquire_above_floor_db:
                self._restart(level, self._acquire_s)
            else:
                self._acquire_p = self._acquire_s = 0.0

    def _watch_for_new_speaker(self, x_db: float, block_s: float) -> None:
        """Restart the long average when the short one stays far from it. Only blocks that are
        themselves that far count towards the time: after a cough the short window still
        holds it for a moment, but the words that follow are the old speaker's."""
        if self._short_s < self.s.short_s / 2:
            return  # the short window is refilling after a restart: too few blocks to judge
        away = self.short_db - self.level_db
        if away > self.s.louder_db or -away > self.s.new_speaker_db:
            if (x_db - self.level_db > self.s.louder_db if away > 0
                    else self.level_db - x_db > self.s.new_speaker_db):
                self._away_s += block_s
            if self._away_s >= (self.s.louder_s if away > 0 else self.s.new_speaker_s):
                self._restart(self.short_db, block_s)
        elif abs(away) < self.s.louder_db / 2:
            self._away_s = 0.0

    def _restart(self, level_db: float, weight_s: float) -> None:
        """The long average starts over from ``level_db``, worth ``weight_s`` of speech; the
        short window starts empty (what it held was heard before the change)."""
        self.level_db = level_db
        self.speech_s = weight_s
        self._away_s = self._squash_s = 0.0
        self._short.clear()
        self._short_p = self._short_s = self._short_limited_s = 0.0
        self._win.clear()
        self._win_s = self._win_near_s = 0.0
        self._stepped = False
