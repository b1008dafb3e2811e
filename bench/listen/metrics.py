"""What a listener hears, by well-kept libraries: STOI (pystoi), wide-band PESQ (pesq) and
ITU-R BS.1770 loudness (pyloudnorm).

Bench side only (``pip install -e '.[bench]'``): the script inside OBS stays stdlib + PyYAML,
and the lab (``meetcast.lab``) numpy only.

- ``stoi``: short-time objective intelligibility of the output against the clean speech, 0..1.
- ``pesq_wb``: ITU-T P.862.2 wide-band PESQ (MOS-LQO, about 1.0..4.6) at 16 kHz.
- ``integrated``: BS.1770-4 gated integrated loudness, LUFS.
- ``short_term``: BS.1770 short-term loudness (K-weighted mean square over 3 s, ungated, as
  EBU Tech 3341 defines it), LUFS, of a window starting at a given sample.
"""

from __future__ import annotations

import warnings

import numpy as np
import pyloudnorm
from pesq import pesq
from pystoi import stoi as _stoi
from scipy.signal import resample_poly

RATE = 48000
SHORT_TERM_S = 3.0
SILENT_LUFS = -120.0  # what an empty or silent window reads, so tables stay numeric


def k_weighted(x: np.ndarray, rate: int = RATE) -> np.ndarray:
    """The signal through BS.1770's K-weighting (pyloudnorm's own two filter stages)."""
    meter = pyloudnorm.Meter(rate)
    y = np.asarray(x, dtype=float).copy()
    for stage in meter._filters.values():  # the library's filters: no second implementation
        y = stage.apply_filter(y)
    return y


def _lufs(mean_square: float) -> float:
    return -0.691 + 10 * np.log10(mean_square) if mean_square > 0 else SILENT_LUFS


def integrated(x: np.ndarray, rate: int = RATE) -> float:
    """BS.1770-4 integrated loudness (absolute and relative gates), LUFS."""
    if len(x) < int(0.4 * rate):
        return SILENT_LUFS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = float(pyloudnorm.Meter(rate).integrated_loudness(np.asarray(x, dtype=float)))
    return value if np.isfinite(value) else SILENT_LUFS


def short_term(kx: np.ndarray, start: int, rate: int = RATE) -> float:
    """Short-term loudness of the 3 s from ``start`` of an already K-weighted signal."""
    seg = kx[max(0, start): start + int(SHORT_TERM_S * rate)]
    return _lufs(float(np.mean(np.square(seg)))) if len(seg) else SILENT_LUFS


def short_term_max(kx: np.ndarray, start: int, end: int, rate: int = RATE,
                   step_s: float = 0.1) -> float:
    """The loudest short-term value of windows starting in [start, end): the worst moment."""
    step = int(step_s * rate)
    return max((short_term(kx, s, rate) for s in range(start, max(start + 1, end), step)),
               default=SILENT_LUFS)


def stoi(clean: np.ndarray, out: np.ndarray, rate: int = RATE) -> float:
    """STOI of ``out`` against ``clean`` (same length, aligned)."""
    n = min(len(clean), len(out))
    return float(_stoi(clean[:n], out[:n], rate, extended=False))


def pesq_wb(clean: np.ndarray, out: np.ndarray, rate: int = RATE) -> float:
    """Wide-band PESQ of ``out`` against ``clean``, both brought to 16 kHz."""
    n = min(len(clean), len(out))
    ref = resample_poly(clean[:n], 1, rate // 16000)
    deg = resample_poly(out[:n], 1, rate // 16000)
    try:
        return float(pesq(16000, ref, deg, "wb"))
    except Exception:  # the library raises on "no utterance detected": no speech is no score
        return float("nan")
