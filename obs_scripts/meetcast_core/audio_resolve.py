"""A chain resolved against one OBS: the concrete filters (name, OBS id, settings) to put on a
source.

The NVIDIA denoiser exists only on Windows with an NVIDIA GPU, and OBS 31 moved it into a
filter of its own; what changed between versions is read from
:mod:`meetcast_core.obs_versions`. The script probes what its OBS offers (an :class:`Offer`);
the controller, which cannot see that over obs-websocket, uses the built-in methods.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from . import names
from .audio_chain_file import Chain
from .audio_filter_kinds import BUILTIN_METHODS, DENOISER, NOISE_SUPPRESS, NVIDIA_AUDIOFX
from .obs_versions import Version, fact


@dataclass(frozen=True)
class FilterSpec:
    """One filter as it should be on the source: full name, OBS id, settings to set."""

    name: str
    kind: str
    settings: dict[str, Any]


@dataclass(frozen=True)
class Offer:
    """What this OBS has for noise suppression, as the script probes it.

    ``methods``: the methods ``noise_suppress_filter_v2`` lists ENABLED (OBS 28–30 list the
    NVIDIA denoiser, disabled, whenever its SDK is found, even if it did not load; 31 lists it
    disabled always). ``nvidia_filter``: ``nvidia_audiofx_filter`` is registered (OBS 31+
    registers it only when NVIDIA's SDK loaded on a supported GPU). The controller cannot see
    either over obs-websocket and uses the default: the built-in methods.
    """

    version: Version = (29, 0)
    methods: tuple[str, ...] = BUILTIN_METHODS
    nvidia_filter: bool = False

    def denoiser_kind(self) -> str | None:
        """The filter id that runs NVIDIA's denoiser in this OBS, or None when it has none."""
        kind, method = fact("nvidia_denoiser", self.version)
        if kind == NVIDIA_AUDIOFX:
            return kind if self.nvidia_filter else None
        return kind if method in self.methods else None


def pick_method(preferred: Sequence[str], offered: Iterable[str]) -> str:
    """The first preferred method OBS offers; Speex when none is (it is always built in)."""
    offered = set(offered)
    for m in preferred:
        if m in offered:
            return m
    return "speex"


def _as_offer(offered: Offer | Iterable[str]) -> Offer:
    """A bare list of methods is an OBS 28–30 (the denoiser, if listed, is a method)."""
    return offered if isinstance(offered, Offer) else Offer(methods=tuple(offered))


def resolve(chain: Chain, offered: Offer | Iterable[str] = BUILTIN_METHODS) -> list[FilterSpec]:
    """The chain as concrete filters for this OBS (an :class:`Offer`, or the methods an OBS
    28–30 offers).

    A noise-suppression step gets its first preferred method this OBS has. "denoiser" is
    NVIDIA's in whichever filter this OBS version runs it (fact ``nvidia_denoiser``):
    ``noise_suppress_filter_v2`` up to 30, ``nvidia_audiofx_filter`` from 31.
    """
    offer = _as_offer(offered)
    denoiser = offer.denoiser_kind()
    available = [m for m in offer.methods if m != DENOISER]
    if denoiser is not None:
        available.append(DENOISER)
    out: list[FilterSpec] = []
    for step in chain.steps:
        settings = dict(step.settings)
        kind = step.kind
        if step.kind == NOISE_SUPPRESS:
            method = pick_method(step.methods, available)
            if method == DENOISER and denoiser is not None:
                kind = denoiser
            settings = {"method": method, **_method_settings(method, settings, offer.version)}
        if step.leveller is not None:  # carried on the filter, where the script reads it
            ceiling = chain.steps[-1].settings.get("threshold", 0.0)  # the chain's limiter
            settings[names.LEVELLER_SETTINGS_KEY] = {**step.leveller, "ceiling_dbfs": ceiling}
        out.append(FilterSpec(step.filter_name, kind, settings))
    return out


def _method_settings(method: str, settings: dict[str, Any], version: Version) -> dict[str, Any]:
    """Only the keys the chosen method reads (so a Speex level never lingers on RNNoise)."""
    if method == DENOISER:
        keep: tuple[str, ...] = fact("nvidia_denoiser_keys", version)
    else:
        keep = {"speex": ("suppress_level",)}.get(method, ())
    return {k: v for k, v in settings.items() if k in keep}
