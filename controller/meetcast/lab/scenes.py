"""Test scenes for what a listener hears: voices, room noises and speaker changes, as played.

``signals.py`` makes one speaker at one level with the noise scaled alongside; a real stream is
not like that. A scene here is what a microphone hears from a cold start: a few seconds of the
room alone (the lead-in), then a speaker, then a second one 24 dB louder or quieter (the next
talk, or the organiser stepping back from the microphone), then the room again. The room's
noise has one absolute level for the whole scene, so the quiet speaker is also the noisy one.

Voices are espeak-ng's (formant synthesis with several variants, a Japanese voice among them).
Debian 12's main archive has no mbrola voices (``apt-cache search mbrola`` finds nothing), so
none are used. Noises: mains ``hum``, a ``fan`` (broadband, with its blade tone), the two
together (``room``), ``keys`` (clicks between words) and a second ``talker`` further away (a
quieter, duller, reverberant voice that talks all the time, lead-in included).

Every scene says whether the chain was tuned on it (``tuned``); the others are held out, so the
report can say how the chain does on speech it was never tuned on. Deterministic per scene.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from .signals import RATE, click, hum, pink_noise, speech

EN = (
    "Welcome to the meetup, everyone.",
    "Tonight we have three talks.",
    "The first one is about streaming from the cloud.",
    "Please keep your questions for the end.",
    "Thank you, and enjoy the evening.",
    "Our next speaker has come a long way to be here.",
    "Let me tell you how we built it, and what went wrong.",
    "Could you say that again, a little louder please?",
)
JA = (  # kana: espeak-ng's Japanese reads kana, not kanji
    "みなさん、こんばんは。",
    "きょうは みっつの はっぴょうが あります。",
    "さいしょは クラウドからの はいしんに ついてです。",
    "しつもんは さいごに おねがいします。",
    "ありがとうございました。",
    "つぎの かたを しょうかいします。",
)
PHRASE_PAUSE_S = 0.4  # between one speaker's sentences: talking on, not a break
TURN_GAP_S = 0.6  # between two speakers
LEAD_S = 3.0  # the room alone before anyone speaks (a cold start)
TAIL_S = 2.0  # the room alone after the last word

# Absolute noise levels (RMS dBFS): with the loud speaker's peaks at -6 and the quiet one's at
# -30 dBFS, room noise at -58 leaves the quiet speaker 28 dB peak-to-noise (the old bench: 30).
NOISE_RMS_DBFS = {"hum": -58.0, "fan": -58.0, "room": -58.0}
KEY_PEAK_DBFS = -26.0  # clicks between words: loud for the quiet speaker, not for the loud one
TALKER_PEAK_DBFS = -42.0  # the second talker: 12 dB under the quiet speaker's peaks
NOISES = ("hum", "fan", "room", "keys", "talker", "zoom")


@dataclass(frozen=True)
class Turn:
    """One speaker's turn: an espeak-ng voice, its speech peak, which sentences."""

    voice: str
    peak_dbfs: float
    phrases: tuple[str, ...]
    words_per_min: int = 150


@dataclass(frozen=True)
class Scene:
    """A cold start: the room alone, the speakers' turns one after another, the room alone."""

    name: str
    noise: str
    turns: tuple[Turn, ...]
    tuned: bool  # the chain was tuned on this scene (else: held out)
    lead_s: float = LEAD_S
    tail_s: float = TAIL_S
    gap_s: float = TURN_GAP_S


@dataclass
class Rendered:
    """A scene as samples: the clean speech (each turn at its level), what is played, and
    where each turn's speech starts and ends (samples, first and last audible sample)."""

    scene: Scene
    clean: np.ndarray
    noisy: np.ndarray
    turns: list[tuple[int, int]] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return len(self.noisy) / RATE


@cache
def _voice(voice: str, phrases: tuple[str, ...], words_per_min: int) -> np.ndarray:
    """A turn's clean speech at peak 1.0 (cached: espeak-ng runs once per turn)."""
    x = speech(phrases, pause_s=PHRASE_PAUSE_S, lead_s=0.0, voice=voice,
               words_per_min=words_per_min)
    return x[: len(x) - int(PHRASE_PAUSE_S * RATE)]  # no trailing pause: the gap follows


def _rng(name: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(name.encode()))


def fan(n: int, rng: np.random.Generator) -> np.ndarray:
    """A fan: broadband noise tilted darker than pink (airflow), with a faint blade tone
    that wobbles; unit RMS."""
    spec = np.fft.rfft(pink_noise(n, rng))
    f = np.fft.rfftfreq(n, 1 / RATE)
    spec /= np.sqrt(1 + (f / 2000.0) ** 2)  # airflow rolls off above ~2 kHz
    x = np.fft.irfft(spec, n)
    x /= np.sqrt(np.mean(x**2))
    t = np.arange(n) / RATE
    blade = np.sin(2 * np.pi * 142 * t + 0.3 * np.sin(2 * np.pi * 0.5 * t))
    x = x + 0.3 * blade
    return x / np.sqrt(np.mean(x**2))


def distant(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Speech as heard from across a room: duller (a first-order low-pass at 1.5 kHz) and
    reverberant (exponentially decaying noise, RT60 about 0.6 s, 8 dB above the direct
    sound), peak 1.0. Both by FFT: the lab needs numpy only."""
    n = int(0.6 * RATE)
    tail = rng.standard_normal(n) * np.exp(-6.9 * np.arange(n) / n)
    tail *= 10 ** (8 / 20) * np.sqrt(1 / np.sum(tail**2))
    tail[0] += 1.0
    size = 1 << int(np.ceil(np.log2(len(x) + n)))
    f = np.fft.rfftfreq(size, 1 / RATE)
    spec = np.fft.rfft(x, size) * np.fft.rfft(tail, size) / (1 + 1j * f / 1500.0)
    out = np.fft.irfft(spec, size)[: len(x)]
    return out / np.max(np.abs(out))


def noise(scene: Scene, clean: np.ndarray) -> np.ndarray:
    """The scene's noise, at its absolute level, over the whole scene."""
    n, rng = len(clean), _rng(scene.name + "/noise")
    kind = scene.noise
    if kind in NOISE_RMS_DBFS:
        if kind == "hum":
            x = hum(n, rng)
        elif kind == "fan":
            x = fan(n, rng)
        else:  # room: fan and hum 6 dB below it, the "broadband hiss plus mains hum"
            x = fan(n, rng) + 0.5 * hum(n, rng)
            x /= np.sqrt(np.mean(x**2))
        return x * 10 ** (NOISE_RMS_DBFS[kind] / 20)
    if kind == "keys":
        return _keys(clean, rng) * 10 ** (KEY_PEAK_DBFS / 20)
    if kind == "talker":
        return _talker(n, rng) * 10 ** (TALKER_PEAK_DBFS / 20)
    if kind == "zoom":
        return zoom_noise(n, scene.name)
    raise ValueError(f"noise {kind!r} (allowed: {', '.join(NOISES)})")


def _keys(clean: np.ndarray, rng: np.random.Generator, per_second: float = 6.0) -> np.ndarray:
    """Key clicks (peak up to 1.0) where nobody speaks: typing between words and in the lead-in."""
    from .audio_metrics import dilate

    quiet = ~dilate(np.abs(clean) > 1e-4, int(0.05 * RATE))
    out = np.zeros_like(clean)
    t = 0
    while t < len(clean):
        t += int(rng.exponential(1.0 / per_second) * RATE) + int(0.03 * RATE)
        c = click(rng)
        if t + len(c) < len(clean) and quiet[t: t + len(c)].all():
            out[t: t + len(c)] += c * rng.uniform(0.5, 1.0)
    return out


def _talker(n: int, rng: np.random.Generator) -> np.ndarray:
    """A second speaker across the room, talking all the time (en-gb, other sentences)."""
    x = _voice("en-gb+m3", EN[5:] + EN[:3], 165)
    x = distant(np.concatenate([x, np.zeros(int(0.5 * RATE))]), rng)
    reps = int(np.ceil(n / len(x))) + 1
    start = int(rng.uniform(0, len(x)))
    return np.tile(x, reps)[start: start + n]


def render(scene: Scene) -> Rendered:
    """The scene's samples (clean and as played) and its turns' speech spans."""
    parts = [np.zeros(int(scene.lead_s * RATE))]
    pos, spans = len(parts[0]), []
    for i, turn in enumerate(scene.turns):
        if i:
            gap = np.zeros(int(scene.gap_s * RATE))
            parts.append(gap)
            pos += len(gap)
        x = _voice(turn.voice, turn.phrases, turn.words_per_min) * 10 ** (turn.peak_dbfs / 20)
        parts.append(x)
        spans.append((pos, pos + len(x)))
        pos += len(x)
    parts.append(np.zeros(int(scene.tail_s * RATE)))
    clean = np.concatenate(parts)
    noisy = clean + noise(scene, clean)
    top = float(np.max(np.abs(noisy)))
    if top > 0.99:
        raise ValueError(f"scene {scene.name}: would clip ({20 * np.log10(top):.1f} dBFS)")
    return Rendered(scene=scene, clean=clean, noisy=noisy, turns=spans)


LOUD, QUIET = -6.0, -30.0


def _pair(name: str, noise_kind: str, a: str, b: str, first: float, tuned: bool,
          text_a: tuple[str, ...], text_b: tuple[str, ...]) -> Scene:
    second = QUIET if first == LOUD else LOUD
    return Scene(name, noise_kind, (Turn(a, first, text_a), Turn(b, second, text_b)), tuned)


# The voice chain's scenes: a cold start, then a speaker 24 dB away. Tuned on en-us (the
# default male voice) and its f3 variant with room noise and keys; held out: the Japanese
# voice and its f2 variant, the klatt synthesiser, en-gb variants, hum and fan alone, and the
# second talker.
VOICE_SCENES: tuple[Scene, ...] = (
    _pair("room-us-loud", "room", "en-us", "en-us+f3", LOUD, True, EN[0:2], EN[2:5]),
    _pair("room-us-quiet", "room", "en-us+f3", "en-us", QUIET, True, EN[5:7], EN[1:4]),
    _pair("keys-us-loud", "keys", "en-us+f3", "en-us", LOUD, True, EN[1:3], EN[5:8]),
    _pair("keys-us-quiet", "keys", "en-us", "en-us+f3", QUIET, True, EN[3:5], EN[0:3]),
    _pair("hum-ja-loud", "hum", "ja", "ja+f2", LOUD, False, JA[0:2], JA[2:5]),
    _pair("fan-ja-quiet", "fan", "ja+f2", "ja", QUIET, False, JA[3:5], JA[0:3]),
    _pair("talker-gb-quiet", "talker", "en-gb+f4", "en-us+klatt", QUIET, False, EN[2:4],
          EN[5:8]),
    _pair("room-klatt-loud", "room", "en-us+klatt", "en-gb-x-rp+m7", LOUD, False, EN[6:8],
          EN[0:3]),
)

ZOOM_LOUD, ZOOM_QUIET = -10.0, -28.0  # remote speakers 18 dB apart


def _qa(name: str, voices: tuple[str, ...], first_loud: bool, tuned: bool,
        texts: tuple[tuple[str, ...], ...]) -> Scene:
    levels = (ZOOM_LOUD, ZOOM_QUIET) if first_loud else (ZOOM_QUIET, ZOOM_LOUD)
    turns = tuple(Turn(v, levels[i % 2], t) for i, (v, t) in enumerate(zip(voices, texts,
                                                                            strict=True)))
    return Scene(name, "zoom", turns, tuned, lead_s=3.0, gap_s=0.3)


# The zoom chain's: Zoom has removed the noise, so what arrives is speech and near-silence;
# remote speakers take turns every five or six seconds, 18 dB apart, as in a Q&A.
ZOOM_SCENES: tuple[Scene, ...] = (
    _qa("qa-us", ("en-us", "en-us+f3", "en-us", "en-us+f3"), True, True,
        (EN[0:3], EN[3:6], EN[5:8], EN[1:4])),
    _qa("qa-mixed", ("en-gb+f4", "ja", "en-us+klatt", "ja+f2"), False, False,
        (EN[2:5], JA[0:3], EN[5:8], JA[3:6])),
)
ZOOM_FLOOR_DBFS = -80.0  # what Zoom leaves between words (comfort noise), RMS


def zoom_noise(n: int, name: str) -> np.ndarray:
    """Zoom's near-silence: faint pink comfort noise."""
    return pink_noise(n, _rng(name + "/zoom")) * 10 ** (ZOOM_FLOOR_DBFS / 20)


SCENES = {s.name: s for s in VOICE_SCENES + ZOOM_SCENES}
