"""Audio skipped or inserted inside speech: where the recording's lag against the clean speech
jumps, and by how much.

Each 40 ms of clean speech is looked for, to the sample, within ±4.5 OBS audio ticks of where
the scene was found; a change of that lag between two windows of the same stretch of speech (no
pause between them) is audio a listener hears go missing (lag falls: skipped) or appear (lag
rises: inserted). A jump in a pause is counted apart: it is silence made longer or shorter.
Whether a jump is a whole number of OBS's 1024-frame ticks tells OBS's tick insertion
(``libobs/obs-audio.c``) from anything else; which configuration shows it — no filters,
OBS's RNNoise alone, meetcast's chain, all on the same OBS — tells whose doing it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RATE = 48000
TICK = 1024
WIN_S, HOP_S = 0.040, 0.020
MAX_LAG = 4 * TICK + TICK // 2
MIN_NCC = 0.7  # below this normalised correlation a window's lag is not trusted
JUMP = 48  # samples (1 ms): a smaller change of lag is the filters' phase, not a jump
PAUSE_S = 0.06  # a stretch of clean silence at least this long separates two "speeches"
MERGE_S = 0.15  # changes of lag the same way within this are one jump
WOBBLE_S = 0.5  # ... and one undone within this is none


@dataclass(frozen=True)
class Jump:
    """One change of lag: where (seconds into the clean signal) and by how many samples."""

    at_s: float
    samples: int  # > 0: audio inserted; < 0: audio skipped
    in_speech: bool

    @property
    def ms(self) -> float:
        return 1000 * self.samples / RATE

    @property
    def whole_ticks(self) -> bool:
        """A whole number of OBS audio ticks (±1 ms): the signature of OBS's tick insertion."""
        return abs(self.samples - TICK * round(self.samples / TICK)) <= JUMP


def lag_track(recorded: np.ndarray, clean: np.ndarray, offset: int,
              rate: int = RATE) -> tuple[np.ndarray, np.ndarray]:
    """(window starts, lag in samples) for every trusted 40 ms window of speech."""
    win, hop = int(WIN_S * rate), int(HOP_S * rate)
    frame_db = 20 * np.log10(np.maximum(
        np.sqrt(np.mean(np.square(clean[: len(clean) // hop * hop].reshape(-1, hop)), axis=1)),
        1e-12))
    loud = frame_db > frame_db.max() - 30
    size = 1 << int(np.ceil(np.log2(win + 2 * MAX_LAG)))
    starts, lags = [], []
    for a in range(0, len(clean) - win, hop):
        if not loud[a // hop: (a + win) // hop].all():
            continue
        lo = offset + a - MAX_LAG
        if lo < 0 or lo + win + 2 * MAX_LAG > len(recorded):
            continue
        ref = clean[a: a + win]
        seg = recorded[lo: lo + win + 2 * MAX_LAG]
        corr = np.fft.irfft(np.fft.rfft(seg, size) * np.conj(np.fft.rfft(ref, size)), size)
        corr = corr[: 2 * MAX_LAG + 1]
        c = np.concatenate([[0.0], np.cumsum(seg**2)])
        energy = c[win: win + 2 * MAX_LAG + 1] - c[: 2 * MAX_LAG + 1]
        ncc = corr / (np.sqrt(energy * float(ref @ ref)) + 1e-12)
        k = int(np.argmax(ncc))
        if ncc[k] >= MIN_NCC:
            starts.append(a)
            lags.append(k - MAX_LAG)
    return np.array(starts, dtype=int), np.array(lags, dtype=int)


def _smoothed(recorded: np.ndarray, clean: np.ndarray, offset: int,
              rate: int) -> tuple[np.ndarray, np.ndarray]:
    """The lag track with a median over five windows: one window fooled by a repeated sound
    is not a jump."""
    starts, lags = lag_track(recorded, clean, offset, rate)
    smooth = np.array([int(np.median(lags[max(0, i - 2): i + 3])) for i in range(len(lags))],
                      dtype=int)
    return starts, smooth


def jumps(recorded: np.ndarray, clean: np.ndarray, offset: int,
          rate: int = RATE) -> list[Jump]:
    """Every lasting change of lag in the scene."""
    starts, smooth = _smoothed(recorded, clean, offset, rate)
    if len(smooth) < 5:
        return []
    silent = np.abs(clean) < 1e-4 * np.max(np.abs(clean))
    out = []
    for i in range(1, len(smooth)):
        d = int(smooth[i] - smooth[i - 1])
        if abs(d) < JUMP:
            continue
        a, b = starts[i - 1], starts[i] + int(WIN_S * rate)
        j = Jump(at_s=starts[i] / rate, samples=d,
                 in_speech=_longest_run(silent[a:b]) < PAUSE_S * rate)
        # windows straddling the cut can read a lag in between: one jump, not two
        if out and out[-1].samples * d > 0 and j.at_s - out[-1].at_s <= MERGE_S:
            p = out.pop()
            j = Jump(at_s=p.at_s, samples=p.samples + d, in_speech=p.in_speech or j.in_speech)
        out.append(j)
    return _without_wobbles(out)


def _without_wobbles(js: list[Jump]) -> list[Jump]:
    """A change of lag undone (to the millisecond) within ``WOBBLE_S`` is no audio skipped or
    inserted: the lag estimate wavers where the limiter squashes the onset of a loud speaker
    (seen: +8.6 ms then -8.6 ms 20 ms later). Both go."""
    out: list[Jump] = []
    for j in js:
        if (out and out[-1].samples * j.samples < 0 and j.at_s - out[-1].at_s <= WOBBLE_S
                and abs(out[-1].samples + j.samples) <= JUMP):
            out.pop()
            continue
        out.append(j)
    return out


def follow(recorded: np.ndarray, clean: np.ndarray, offset: int,
           rate: int = RATE) -> tuple[np.ndarray, list[Jump]]:
    """The recording realigned with ``clean`` across every jump, and the jumps.

    So STOI, PESQ and the envelope compare like with like: a jump is counted once, here, and
    not again as damaged speech. Chopped or pumped speech does not move the lag, so following
    it forgives nothing else (tests/test_listen_continuity.py)."""
    starts, smooth = _smoothed(recorded, clean, offset, rate)
    lag = np.zeros(len(clean), dtype=np.int64)
    if len(smooth) >= 5:
        centres = starts + int(WIN_S * rate) // 2
        edges = np.concatenate([[0], (centres[:-1] + centres[1:]) // 2])
        for e, k in zip(edges, smooth, strict=True):
            lag[e:] = k
    idx = offset + np.arange(len(clean)) + lag
    x = np.zeros(len(clean))
    ok = (idx >= 0) & (idx < len(recorded))
    x[ok] = recorded[idx[ok]]
    return x, jumps(recorded, clean, offset, rate)


def _longest_run(mask: np.ndarray) -> int:
    """The longest stretch of True in ``mask``."""
    if not mask.any():
        return 0
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return int(np.max(np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)))
