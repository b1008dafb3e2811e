"""Measure what a recording did to a test signal: align it, then compare with numpy.

The numbers (all from the recording aligned sample-exactly with the clean speech):

- ``noise_dbfs``: RMS where the clean speech is silent (pauses, with a margin for tails).
- ``speech_dbfs``: RMS over frames where the clean speech is active (within 30 dB of its
  loudest frame) — the loudness a listener hears while someone talks.
- ``snr_db`` = speech − noise. The *SNR gain* is the output's SNR minus the input's, so a
  plain gain change (which moves both) can neither hide nor fake noise reduction.
- ``preservation``: Spearman rank correlation of the 10 ms speech envelope with the clean
  one over active frames. Ranks are blind to any static gain curve (compression, levelling)
  but not to chopped onsets or pumping, which reorder frames. The recording is followed
  across whole OBS audio ticks that OBS inserted on the way (``tick_track``); those are
  counted (``ticks_inserted``) and the single-offset figure is kept beside it.
- ``peak_dbfs``: the highest sample of the aligned stretch.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATE = 48000
AUDIO_TICK = 1024  # frames OBS mixes at a time (AUDIO_OUTPUT_FRAMES in libobs/media-io/audio-io.h)
FRAME_S = 0.010
NOISE_FLOOR_DBFS = -120.0  # digital silence is reported as this, so SNRs stay finite
ACTIVE_BELOW_MAX_DB = 30.0
PAUSE_MARGIN_S = 0.15  # no speech within this of a "pause" sample: filter tails are not noise


@dataclass(frozen=True)
class Measurement:
    noise_dbfs: float
    speech_dbfs: float
    peak_dbfs: float
    preservation: float
    lag_s: float  # where the signal starts in the recording
    # Whole OBS audio ticks inserted (or dropped) inside the signal, and preservation with the
    # recording compared at one offset: ``preservation`` follows the ticks (see tick_track).
    ticks_inserted: int = 0
    ticks_dropped: int = 0
    preservation_one_offset: float = float("nan")

    @property
    def snr_db(self) -> float:
        return self.speech_dbfs - self.noise_dbfs


def dbfs(x: float) -> float:
    return float(20 * np.log10(max(x, 10 ** (NOISE_FLOOR_DBFS / 20))))


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x)))) if len(x) else 0.0


def frame_rms(x: np.ndarray, frame: int) -> np.ndarray:
    n = len(x) // frame
    return np.sqrt(np.mean(np.square(x[: n * frame].reshape(n, frame)), axis=1))


def masks(clean: np.ndarray, rate: int = RATE) -> tuple[np.ndarray, np.ndarray]:
    """(active speech frames, pause samples) from the clean speech."""
    frame = int(FRAME_S * rate)
    env = frame_rms(clean, frame)
    env_db = 20 * np.log10(np.maximum(env, 1e-12))
    active = env_db > env_db.max() - ACTIVE_BELOW_MAX_DB
    audible = np.abs(clean) > 1e-4 * np.max(np.abs(clean))  # -80 dB: any speech at all
    return active, ~dilate(audible, int(PAUSE_MARGIN_S * rate))


def dilate(mask: np.ndarray, k: int) -> np.ndarray:
    """True wherever ``mask`` is True within ``k`` samples (a running sum: O(n), not O(n·k))."""
    c = np.concatenate([[0], np.cumsum(mask, dtype=np.int64)])
    idx = np.arange(len(mask))
    lo, hi = np.clip(idx - k, 0, len(mask)), np.clip(idx + k + 1, 0, len(mask))
    return (c[hi] - c[lo]) > 0


def signal_level(x: np.ndarray, clean: np.ndarray, rate: int = RATE) -> tuple[float, float]:
    """(speech dBFS, noise-in-pauses dBFS) of ``x``, already aligned with ``clean``."""
    active, pause = masks(clean, rate)
    frame = int(FRAME_S * rate)
    env = frame_rms(x, frame)[: len(active)]
    speech = float(np.sqrt(np.mean(np.square(env[active]))))
    return dbfs(speech), dbfs(rms(x[: len(pause)][pause[: len(x)]]))


def _ranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="stable")
    r = np.empty(len(x))
    r[order] = np.arange(len(x))
    return r


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra, rb = _ranks(a), _ranks(b)
    return float(np.corrcoef(ra, rb)[0, 1])


def preservation(x: np.ndarray, clean: np.ndarray, rate: int = RATE) -> float:
    active, _ = masks(clean, rate)
    frame = int(FRAME_S * rate)
    n = min(len(active), len(x) // frame)
    return spearman(frame_rms(x, frame)[:n][active[:n]], frame_rms(clean, frame)[:n][active[:n]])


def tick_track(recorded: np.ndarray, clean: np.ndarray, offset: int, rate: int = RATE,
               max_ticks: int = 4) -> np.ndarray:
    """Per 10 ms frame of ``clean``: how many whole OBS audio ticks late the recording is there,
    relative to ``offset``.

    OBS mixes audio in ticks of 1024 frames, and in the lab's OBS a tick is now and then
    inserted into a source's audio (seen with RNNoise alone as with the meetcast chain; the
    FLV's timestamps stay continuous, so it happens inside OBS). Everything after it arrives
    21.3 ms later; compared at one offset, the envelope then loses its rank order as if words
    had been chopped. Only whole ticks are tried, so this follows that slip and nothing else.
    """
    frame = int(FRAME_S * rate)
    win, step = 8 * frame, 4 * frame
    env_db = 20 * np.log10(np.maximum(frame_rms(clean, frame), 1e-12))
    loud = env_db > env_db.max() - ACTIVE_BELOW_MAX_DB
    n_frames = len(env_db)
    centres, picks = [], []
    for a in range(0, len(clean) - win, step):
        if not loud[a // frame: (a + win) // frame].all():
            continue
        ref = clean[a: a + win]
        best, best_k = 0.5, None  # below this normalised correlation, no tick is trusted
        for k in range(-max_ticks, max_ticks + 1):
            lo = offset + a + k * AUDIO_TICK
            if lo < 0 or lo + win > len(recorded):
                continue
            seg = recorded[lo: lo + win]
            ncc = float(ref @ seg) / (np.sqrt(float(ref @ ref) * float(seg @ seg)) + 1e-12)
            if ncc > best:
                best, best_k = ncc, k
        if best_k is not None:
            centres.append((a + win // 2) // frame)
            picks.append(best_k)
    track = np.zeros(n_frames, dtype=int)
    if not picks:
        return track
    # a median over five windows: one window fooled by a repeated sound does not make a slip
    smooth = [int(np.median(picks[max(0, i - 2): i + 3])) for i in range(len(picks))]
    edges = [0] + [(centres[i] + centres[i + 1]) // 2 for i in range(len(centres) - 1)]
    for e, k in zip(edges, smooth, strict=True):
        track[e:] = k
    return track


def follow_ticks(recorded: np.ndarray, offset: int, track: np.ndarray, length: int,
                 rate: int = RATE) -> np.ndarray:
    """The ``length`` samples at ``offset``, each 10 ms frame taken ``track`` ticks later."""
    frame = int(FRAME_S * rate)
    ticks = np.repeat(track.astype(np.int64), frame)[:length]
    ticks = np.concatenate([ticks, np.full(length - len(ticks), ticks[-1] if len(ticks) else 0)])
    idx = offset + np.arange(length) + AUDIO_TICK * ticks
    out = np.zeros(length)
    ok = (idx >= 0) & (idx < len(recorded))
    out[ok] = recorded[idx[ok]]
    return out


def align(recorded: np.ndarray, reference: np.ndarray, search_from: int = 0,
          search_len: int | None = None) -> int:
    """Sample offset of ``reference`` inside ``recorded`` (cross-correlation by FFT).

    Correlates the waveforms, not envelopes: the peak is sharp (one sample) and noise
    suppression, a per-band gain, keeps the speech's phase, so the peak stays where it is.
    """
    seg = recorded[search_from: None if search_len is None
                   else search_from + search_len + len(reference)]
    n = 1 << int(np.ceil(np.log2(len(seg) + len(reference))))
    corr = np.fft.irfft(np.fft.rfft(seg, n) * np.conj(np.fft.rfft(reference, n)), n)
    valid = corr[: max(1, len(seg) - len(reference) + 1)]
    return search_from + int(np.argmax(valid))


def measure(recorded: np.ndarray, clean: np.ndarray, offset: int,
            rate: int = RATE) -> Measurement:
    """The numbers for ``clean`` found at ``offset`` in ``recorded``, following inserted ticks."""
    track = tick_track(recorded, clean, offset, rate)
    x = follow_ticks(recorded, offset, track, len(clean), rate)
    steps = np.diff(track)
    speech, noise = signal_level(x, clean, rate)
    return Measurement(noise_dbfs=noise, speech_dbfs=speech,
                       peak_dbfs=dbfs(float(np.max(np.abs(x)))),
                       preservation=preservation(x, clean, rate), lag_s=offset / rate,
                       ticks_inserted=int(steps[steps > 0].sum()),
                       ticks_dropped=int(-steps[steps < 0].sum()),
                       preservation_one_offset=preservation(
                           follow_ticks(recorded, offset, np.zeros_like(track), len(clean), rate),
                           clean, rate))


def input_measurement(noisy: np.ndarray, clean: np.ndarray, rate: int = RATE) -> Measurement:
    """The same numbers for what was played (the reference for SNR gain)."""
    return measure(noisy, clean, 0, rate)


def decode(path: Path, rate: int = RATE) -> np.ndarray:
    """First audio channel of a recording (FLV from the ingest) as float, via ffmpeg."""
    out = subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", str(path), "-vn",
                          "-af", "pan=mono|c0=c0", "-ar", str(rate), "-f", "f32le",
                          "-"], check=True, capture_output=True).stdout
    return np.frombuffer(out, dtype="<f4").astype(float)
