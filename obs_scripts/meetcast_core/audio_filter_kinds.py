"""OBS's audio filters as meetcast uses them: their ids, the noise-suppression methods, and the
settings meetcast may set on each, with OBS's own slider ranges.

One place for what OBS offers, so the chain files (:mod:`meetcast_core.audio_chain_file`), the
resolution against one OBS (:mod:`meetcast_core.audio_resolve`) and the filter plan
(:mod:`meetcast_core.audio_filter_plan`) never disagree about an id or a range. Ids and setting
keys are OBS's own (plugins/obs-filters and plugins/nv-filters, obs-studio 28.0.0-32.2.2).
"""

from __future__ import annotations

from .schema import Field, Schema

# -- OBS's filter ids and the settings meetcast may set on them -----------------------------
NOISE_SUPPRESS = "noise_suppress_filter_v2"
COMPRESSOR = "compressor_filter"
GAIN = "gain_filter"
UPWARD_COMPRESSOR = "upward_compressor_filter"
EXPANDER = "expander_filter"
LIMITER = "limiter_filter"
# OBS 31+'s own filter for NVIDIA's denoiser (fact "nvidia_denoiser"). Not a step kind of its
# own in a chain: a noise-suppression step's "denoiser" method resolves to it where OBS has it.
NVIDIA_AUDIOFX = "nvidia_audiofx_filter"

# Noise-suppression methods, best first. "denoiser" is NVIDIA's (only where OBS offers it);
# Speex is the last resort: measured here it removes ~5 dB where RNNoise removes ~40.
DENOISER = "denoiser"
METHODS: tuple[str, ...] = (DENOISER, "rnnoise", "speex")
# Methods every OBS 27+ build offers (RNNoise and Speex are compiled into obs-filters).
BUILTIN_METHODS: tuple[str, ...] = ("rnnoise", "speex")
# The suffix OBS 31 gives a Noise Suppression filter it migrates to nvidia_audiofx_filter
# (fact "denoiser_migration"). Such a filter keeps the suffix on 32 too, so meetcast adopts
# its own on every version.
PORTED_SUFFIX = "_ported"

CEILING_MAX_DBFS = -1.0  # the limiter's threshold: true peaks stay at or below this


def num(lo: float, hi: float, doc: str = "") -> Field:
    return Field((int, float), required=False, min=lo, max=hi, doc=doc)


def whole(lo: int, hi: int, doc: str = "") -> Field:
    return Field(int, required=False, min=lo, max=hi, doc=doc)


# Ranges are OBS's own slider ranges, so a chain can never ask OBS for what its UI cannot show.
SETTINGS: dict[str, Schema] = {
    NOISE_SUPPRESS: Schema({
        "suppress_level": whole(-60, 0, "Speex only: attenuation in dB"),
        "intensity": num(0.0, 1.0, "NVIDIA denoiser only"),
    }),
    COMPRESSOR: Schema({
        "ratio": num(1, 32), "threshold": num(-60, 0), "attack_time": whole(1, 500),
        "release_time": whole(1, 1000), "output_gain": num(-32, 32),
    }),
    GAIN: Schema({"db": num(-30, 30)}),
    UPWARD_COMPRESSOR: Schema({
        "ratio": num(0, 1), "threshold": num(-60, 0), "attack_time": whole(1, 100),
        "release_time": whole(1, 1000), "output_gain": num(-32, 32), "knee_width": whole(0, 20),
        "detector": Field(str, required=False, choices=("RMS", "peak")),
    }),
    EXPANDER: Schema({
        "ratio": num(1, 20), "threshold": num(-60, 0), "attack_time": whole(1, 100),
        "release_time": whole(1, 1000), "output_gain": num(-32, 32),
        "detector": Field(str, required=False, choices=("RMS", "peak")),
        "presets": Field(str, required=False, choices=("expander", "gate")),
    }),
    LIMITER: Schema({"threshold": num(-60, 0), "release_time": whole(1, 1000)}),
}
KINDS: tuple[str, ...] = tuple(SETTINGS)
# Every kind a meetcast audio filter can have in OBS: the step kinds, plus the NVIDIA filter a
# noise-suppression step may resolve to.
OWNED_KINDS: tuple[str, ...] = (*KINDS, NVIDIA_AUDIOFX)
