"""Audio chains: which OBS filters, in which order, with which settings, and how to get there.

The pieces live in modules named for what they are; this one gathers them under the name every
caller knows (``from meetcast_core import audio_chain as ac``):

- :mod:`meetcast_core.audio_filter_kinds`: OBS's filter ids, noise-suppression methods and the
  settings meetcast may set, with OBS's slider ranges;
- :mod:`meetcast_core.audio_chain_file`: the chain files' schema and reading them
  (``load``, ``load_named``, ``available``, ``chains_dir``);
- :mod:`meetcast_core.audio_resolve`: a chain as concrete filters for one OBS (``resolve``,
  ``Offer``, ``FilterSpec``);
- :mod:`meetcast_core.audio_filter_plan`: the operations that turn a source's filters into
  the chain (``plan``, ``apply``, ``describe``, ``Op``).
"""

from __future__ import annotations

from .audio_chain_file import (
                               CHAIN,
                               LEVELLER,
                               STEP,
                               Chain,
                               Step,
                               available,
                               chains_dir,
                               load,
                               load_named,
                               parse,
)
from .audio_filter_kinds import (
                               BUILTIN_METHODS,
                               CEILING_MAX_DBFS,
                               COMPRESSOR,
                               DENOISER,
                               EXPANDER,
                               GAIN,
                               KINDS,
                               LIMITER,
                               METHODS,
                               NOISE_SUPPRESS,
                               NVIDIA_AUDIOFX,
                               OWNED_KINDS,
                               PORTED_SUFFIX,
                               SETTINGS,
                               UPWARD_COMPRESSOR,
)
from .audio_filter_plan import Existing, Op, apply, describe, owned, plan, ported_base, target_order
from .audio_resolve import FilterSpec, Offer, pick_method, resolve

__all__ = [
    "BUILTIN_METHODS", "CEILING_MAX_DBFS", "CHAIN", "COMPRESSOR", "DENOISER", "EXPANDER", "GAIN",
    "KINDS", "LEVELLER", "LIMITER", "METHODS", "NOISE_SUPPRESS", "NVIDIA_AUDIOFX",
    "OWNED_KINDS", "PORTED_SUFFIX", "SETTINGS", "STEP", "UPWARD_COMPRESSOR", "Chain",
    "Existing", "FilterSpec", "Offer", "Op", "Step", "apply", "available", "chains_dir",
    "describe", "load", "load_named", "owned", "parse", "pick_method", "plan", "ported_base",
    "resolve", "target_order",
]
