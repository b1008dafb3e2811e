"""Test signals for the audio chain: real synthetic speech with pauses, plus noise.

Speech comes from espeak-ng (a real formant synthesiser, so noise suppression sees speech-like
spectra, not tones), one phrase at a time with pauses between, so "noise in pauses" can be
measured where there is certainly no speech. Two noise kinds, as a meetup microphone meets
them: ``stationary`` (pink/broadband noise + 50 Hz mains hum with harmonics) and ``clicks``
(keyboard-like transients between words). Everything is scaled together, so a quieter input
level has the same input SNR: only the level changes.

Deterministic for a given seed, so runs differ only by what OBS does.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATE = 48000
PHRASES: tuple[str, ...] = (
    "Welcome to the meetup, everyone.",
    "Tonight we have three talks.",
    "The first one is about streaming from the cloud.",
    "Please keep your questions for the end.",
    "Thank you, and enjoy the evening.",
)
NOISE_KINDS = ("stationary", "clicks")
# Noise level relative to the speech peak: -6 dBFS speech -> about -36 dBFS noise RMS, the
# noisy room of the seed article.
NOISE_BELOW_PEAK_DB = 30.0
CLICK_BELOW_PEAK_DB = 6.0  # a key click peaks a little below the speech peak


@dataclass
class TestSignal:
    """One test input: the clean speech and what is played (speech + noise), both mono."""

    clean: np.ndarray  # float64, -1..1, RATE Hz
    noisy: np.ndarray
    noise_kind: str
    level_dbfs: float  # speech peak
    rate: int = RATE

    @property
    def seconds(self) -> float:
        return len(self.noisy) / self.rate


def speech(phrases: tuple[str, ...] = PHRASES, pause_s: float = 1.0, lead_s: float = 0.5,
           voice: str = "en-us", words_per_min: int = 150) -> np.ndarray:
    """Clean speech at RATE, peak-normalised to 1.0, phrases separated by ``pause_s``."""
    if not shutil.which("espeak-ng"):
        raise RuntimeError("espeak-ng is not installed (apt-get install espeak-ng)")
    parts = [np.zeros(int(lead_s * RATE))]
    with tempfile.TemporaryDirectory(prefix="meetcast-speech-") as tmp:
        for i, text in enumerate(phrases):
            wav = Path(tmp) / f"p{i}.wav"
            subprocess.run(["espeak-ng", "-v", voice, "-s", str(words_per_min), "-w", str(wav),
                            text], check=True, capture_output=True)
            rate, x = read_wav(wav)
            x = _trim(resample(x, rate, RATE))
            parts += [x, np.zeros(int(pause_s * RATE))]
    out = np.concatenate(parts)
    return out / np.max(np.abs(out))


def resample(x: np.ndarray, src: int, dst: int) -> np.ndarray:
    """Band-limited resampling by FFT (espeak-ng speaks at 22050 Hz; OBS runs at 48 kHz)."""
    if src == dst:
        return x
    n_out = round(len(x) * dst / src)
    spec = np.fft.rfft(x)
    out_spec = np.zeros(n_out // 2 + 1, dtype=complex)
    m = min(len(spec), len(out_spec))
    out_spec[:m] = spec[:m]
    return np.fft.irfft(out_spec, n_out) * (n_out / len(x))


def _trim(x: np.ndarray, floor: float = 1e-3) -> np.ndarray:
    idx = np.flatnonzero(np.abs(x) > floor * np.max(np.abs(x)))
    return x[idx[0]: idx[-1] + 1] if len(idx) else x


def pink_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """1/f noise (-3 dB/octave) by shaping white noise's spectrum; unit RMS."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(len(spec), dtype=float)
    f[0] = 1.0
    x = np.fft.irfft(spec / np.sqrt(f), n)
    return x / np.sqrt(np.mean(x**2))


def hum(n: int, rng: np.random.Generator) -> np.ndarray:
    """50 Hz mains hum with its odd/even harmonics; unit RMS."""
    t = np.arange(n) / RATE
    x = sum(a * np.sin(2 * np.pi * 50 * k * t + rng.uniform(0, 2 * np.pi))
            for k, a in ((1, 1.0), (2, 0.5), (3, 0.35), (5, 0.15)))
    return x / np.sqrt(np.mean(x**2))


def stationary_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """Pink noise plus hum 6 dB below it; unit RMS."""
    x = pink_noise(n, rng) + 0.5 * hum(n, rng)
    return x / np.sqrt(np.mean(x**2))


def click(rng: np.random.Generator) -> np.ndarray:
    """One key press: a sharp, bright noise burst, then the key's release ~80 ms later."""
    def burst(ms: float) -> np.ndarray:
        n = int(ms * RATE / 1000)
        env = np.exp(-np.arange(n) / (0.25 * n))
        b = rng.standard_normal(n) * env
        return np.diff(b, prepend=0.0)  # a first difference: tilts it bright, like plastic

    press = burst(rng.uniform(8, 14))
    gap = np.zeros(int(rng.uniform(0.06, 0.11) * RATE))
    release = 0.5 * burst(rng.uniform(6, 10))
    x = np.concatenate([press, gap, release])
    return x / np.max(np.abs(x))


def clicks(clean: np.ndarray, rng: np.random.Generator, per_second: float = 7.0) -> np.ndarray:
    """Key clicks (peak 1.0) placed only where the clean speech is silent (between words)."""
    out = np.zeros_like(clean)
    quiet = _silent_mask(clean)
    t = 0
    while t < len(clean):
        t += int(rng.exponential(1.0 / per_second) * RATE) + int(0.03 * RATE)
        c = click(rng)
        end = t + len(c)
        if end < len(clean) and quiet[t:end].all():
            out[t:end] += c * rng.uniform(0.5, 1.0)
    return out


def _silent_mask(clean: np.ndarray, margin_s: float = 0.05) -> np.ndarray:
    """True where no speech is within ``margin_s`` (speech = above -60 dB of the peak)."""
    loud = np.abs(clean) > 1e-3 * np.max(np.abs(clean))
    from .audio_metrics import dilate

    return ~dilate(loud, int(margin_s * RATE))


def make(noise_kind: str, level_dbfs: float, seed: int = 1,
         clean: np.ndarray | None = None) -> TestSignal:
    """The test input for one noise kind at one level (speech peak ``level_dbfs``)."""
    if noise_kind not in NOISE_KINDS:
        raise ValueError(f"noise kind {noise_kind!r} (allowed: {', '.join(NOISE_KINDS)})")
    rng = np.random.default_rng(seed)
    base = speech() if clean is None else clean
    if noise_kind == "stationary":
        noise = stationary_noise(len(base), rng) * 10 ** (-NOISE_BELOW_PEAK_DB / 20)
    else:
        noise = clicks(base, rng) * 10 ** (-CLICK_BELOW_PEAK_DB / 20)
    gain = 10 ** (level_dbfs / 20)
    return TestSignal(clean=base * gain, noisy=(base + noise) * gain,
                      noise_kind=noise_kind, level_dbfs=level_dbfs)


def write_wav(path: Path, x: np.ndarray, rate: int = RATE) -> Path:
    """16-bit mono WAV (what paplay plays into the lab's microphone sink)."""
    if np.max(np.abs(x)) > 1.0:
        raise ValueError(f"{path}: signal would clip ({20 * np.log10(np.max(np.abs(x))):.1f} dBFS)")
    pcm = np.round(x * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


def read_wav(path: Path) -> tuple[int, np.ndarray]:
    """(rate, first channel as float -1..1) of a 16-bit PCM WAV."""
    with wave.open(str(path), "rb") as w:
        rate, ch, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        raw = w.readframes(w.getnframes())
    if width != 2:
        raise ValueError(f"{path}: expected 16-bit PCM, got {8 * width}-bit")
    x = np.frombuffer(raw, dtype="<i2").reshape(-1, ch)[:, 0]
    return rate, x.astype(float) / 32768.0
