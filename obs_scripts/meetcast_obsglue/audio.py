"""Audio chains inside OBS: put the ``voice`` chain on the microphone and ``zoom`` on the
desktop audio, as picked in the script's Properties.

A user expects a Properties change to take effect at once (as OBS's own filters do), so the
chains are (re)applied on every update once the collection is loaded — applying is
idempotent, so an update that changes nothing does nothing. Picking "(none)" for a chain, or
unticking "Apply", removes meetcast's filters from that source and only those. Every decision
(which filters, which order, what to change) is ``meetcast_core.audio_chain.plan``'s.

OBS's own quirks handled here: ``obs_source_filter_add`` appends at the bottom of the list;
filters are stored bottom-first inside libobs (``obs_source_backup_filters`` returns them in
that order); OBS 29 has no "set filter index" (30.0 added it), only one-step moves. What this
OBS has for noise suppression (which version, which methods are enabled, whether OBS 31+'s
``nvidia_audiofx_filter`` is registered) is read once per load into an ``audio_chain.Offer``;
the core decides from it which filter runs NVIDIA's denoiser and adopts the ones OBS 31
migrated (``…_ported``).
"""

from __future__ import annotations

import json
from typing import Any

import obspython as obs

from meetcast_core import audio_chain as ac
from meetcast_core import names
from meetcast_core.schema import SchemaError

from . import audio_leveller, state
from .obsutil import data_from, info, obs_version, source_by_name, warn

ENABLED = "audio_enabled"
NONE = ""  # the "(none)" choice
# (settings key, chain name, default source, label)
PICKS: tuple[tuple[str, str, str, str], ...] = (
    ("audio_voice_source", "voice", names.MIC_SOURCE, "Voice chain (microphone)"),
    ("audio_zoom_source", "zoom", names.DESKTOP_SOURCE, "Zoom chain (desktop audio)"),
)

_offer: ac.Offer | None = None  # asked of OBS once per load: it cannot change


# -- hooks -----------------------------------------------------------------------------------
def defaults(settings: Any) -> None:
    obs.obs_data_set_default_bool(settings, ENABLED, True)
    for key, _chain, source, _label in PICKS:
        obs.obs_data_set_default_string(settings, key, source)


def properties(props: Any, settings: Any) -> None:
    group = obs.obs_properties_create()
    obs.obs_properties_add_bool(group, ENABLED, "Apply meetcast's audio chains")
    sources = _audio_source_names()
    for key, chain, _default, label in PICKS:
        p = obs.obs_properties_add_list(group, key, label, obs.OBS_COMBO_TYPE_LIST,
                                        obs.OBS_COMBO_FORMAT_STRING)
        obs.obs_property_list_add_string(p, "(none)", NONE)
        picked = obs.obs_data_get_string(settings, key) if settings is not None else ""
        for name in sources:
            obs.obs_property_list_add_string(p, name, name)
        if picked and picked not in sources:  # keep the saved pick visible, marked
            obs.obs_property_list_add_string(p, f"{picked} (missing)", picked)
        obs.obs_property_set_long_description(
            p, f"meetcast's '{chain}' chain (profiles/audio/{chain}.yaml) goes on this "
               f"source as filters named '{names.FILTER_PREFIX}…', after your own filters.")
    obs.obs_properties_add_group(props, "audio", "Audio chains", obs.OBS_GROUP_NORMAL, group)


def update(settings: Any) -> None:
    if state.collection_loaded:
        apply_all(settings)


def collection_loaded(settings: Any) -> None:
    apply_all(settings)


def load() -> None:
    audio_leveller.start()


def collection_cleanup() -> None:
    audio_leveller.release()  # the sources are about to go: their meters first


def unload() -> None:
    global _offer
    _offer = None
    audio_leveller.stop()


# -- applying --------------------------------------------------------------------------------
def wanted(settings: Any) -> dict[str, str]:
    """source name -> chain name, from the settings (the first pick wins a shared source)."""
    out: dict[str, str] = {}
    if settings is None or not obs.obs_data_get_bool(settings, ENABLED):
        return out
    for key, chain, _default, _label in PICKS:
        source = obs.obs_data_get_string(settings, key)
        if source and source not in out:
            out[source] = chain
        elif source:
            warn(f"'{source}' is picked for two chains; it keeps '{out[source]}'")
    return out


def apply_all(settings: Any) -> None:
    """Every audio source gets its picked chain, or loses meetcast's audio filters; then the
    picked sources' Leveller filters are driven (``audio_leveller``)."""
    picks = wanted(settings)
    with audio_leveller.paused():  # no meter attached while obspython edits filters
        _apply_all(picks)
    audio_leveller.watch(picks)


def _apply_all(picks: dict[str, str]) -> None:
    chains: dict[str, ac.Chain] = {}
    for chain_name in set(picks.values()):
        try:
            chains[chain_name] = ac.load_named(chain_name)
        except SchemaError as exc:  # nothing half-applied: that chain is left as it is
            warn(f"audio chain not applied: {exc}")
    global _offer
    if _offer is None:
        _offer = offer()
        info(f"noise suppression here: {', '.join(_offer.methods) or 'none'}; NVIDIA denoiser: "
             f"{_offer.denoiser_kind() or 'absent'}")
    offered = _offer
    present = set(_audio_source_names())
    for source in sorted(present | set(picks)):
        chain_name = picks.get(source)
        if chain_name is not None and chain_name not in chains:
            continue
        if source not in present:
            warn(f"'{source}' is picked for the {chain_name} chain but does not exist")
            continue
        desired = ac.resolve(chains[chain_name], offered) if chain_name else []
        apply_to(source, desired, chain_name)


def apply_to(source_name: str, desired: list[ac.FilterSpec], chain_name: str | None) -> None:
    with source_by_name(source_name) as source:
        if source is None:
            return
        ops = ac.plan(filters_of(source), desired)
        if not ops:
            return
        for op in ops:
            _carry_out(source, op)
        what = f"'{chain_name}' chain" if chain_name else "meetcast's audio filters removed"
        info(f"{source_name}: {what}: " + "; ".join(ac.describe(ops)))
        left = ac.plan(filters_of(source), desired)
        if left:  # OBS refused something (e.g. an unknown filter id): say what
            warn(f"{source_name}: filters did not end as planned, still to do: "
                 + "; ".join(ac.describe(left)))


def filters_of(source: Any) -> list[ac.Existing]:
    """(name, kind, settings) top to bottom, as OBS's Filters dialog shows them."""
    array = obs.obs_source_backup_filters(source)
    out: list[ac.Existing] = []
    try:
        for i in range(obs.obs_data_array_count(array)):
            item = obs.obs_data_array_item(array, i)
            try:
                data = json.loads(obs.obs_data_get_json(item) or "{}")
            finally:
                obs.obs_data_release(item)
            kind = data.get("versioned_id") or data.get("id", "")  # "id" is unversioned
            out.append((data.get("name", ""), kind, data.get("settings") or {}))
    finally:
        obs.obs_data_array_release(array)
    out.reverse()  # libobs stores the bottom filter first
    return out


def _carry_out(source: Any, op: ac.Op) -> None:
    if op.action == "rename":  # a filter OBS migrated, adopted under meetcast's name
        f = obs.obs_source_get_filter_by_name(source, op.name)
        if f is not None:
            obs.obs_source_set_name(f, op.new_name)
            obs.obs_source_release(f)
        return
    if op.action == "create":
        with data_from(op.settings) as settings:
            f = obs.obs_source_create_private(op.kind, op.name, settings)
        try:
            obs.obs_source_filter_add(source, f)  # appended at the bottom
        finally:
            obs.obs_source_release(f)
        return
    f = obs.obs_source_get_filter_by_name(source, op.name)
    if f is None:
        return
    try:
        if op.action == "remove":
            obs.obs_source_filter_remove(source, f)
        elif op.action == "update":
            with data_from(op.settings) as settings:
                obs.obs_source_update(f, settings)  # overlays: other keys stay the user's
        elif op.action == "move":
            _move(source, f, op.name, op.index)
    finally:
        obs.obs_source_release(f)


def _move(source: Any, f: Any, name: str, index: int) -> None:
    """Move filter ``f`` to ``index`` (0 = top) with OBS 29's one-step moves."""
    for _ in range(64):  # bounded: a list longer than this is not a filter list
        pos = [n for n, _k, _s in filters_of(source)].index(name)
        if pos == index:
            return
        obs.obs_source_filter_set_order(
            source, f, obs.OBS_ORDER_MOVE_UP if pos > index else obs.OBS_ORDER_MOVE_DOWN)


# -- what this OBS has -----------------------------------------------------------------------
def offer() -> ac.Offer:
    """What this OBS has for noise suppression, for ``audio_chain.resolve``."""
    # obs_enum_filter_types is not callable from Python; a registered id has a display name.
    nvidia = obs.obs_source_get_display_name(ac.NVIDIA_AUDIOFX) is not None
    return ac.Offer(version=obs_version(), methods=noise_methods(), nvidia_filter=nvidia)


def noise_methods() -> tuple[str, ...]:
    """The noise-suppression methods OBS lists ENABLED.

    OBS 28–30 list NVIDIA's denoiser whenever its SDK is found, disabled when it did not load
    (no supported GPU): picked anyway, the filter would pass the audio through untouched. 31
    lists it disabled always (it moved to its own filter). Asked of a throw-away filter
    INSTANCE: with NVIDIA's SDK compiled in, the filter's properties callback reads its
    instance data, so ``obs_get_source_properties(id)`` (no instance) would crash OBS on
    Windows.
    """
    f = obs.obs_source_create_private(ac.NOISE_SUPPRESS, "meetcast probe", None)
    if f is None:
        return ()
    props = obs.obs_source_properties(f)
    try:
        p = obs.obs_properties_get(props, "method") if props is not None else None
        if p is None:
            return ac.BUILTIN_METHODS
        return tuple(obs.obs_property_list_item_string(p, i)
                     for i in range(obs.obs_property_list_item_count(p))
                     if not obs.obs_property_list_item_disabled(p, i))
    finally:
        if props is not None:
            obs.obs_properties_destroy(props)
        obs.obs_source_release(f)


def _audio_source_names() -> list[str]:
    """Inputs that carry audio (the mic, desktop audio, media, browser…), sorted by name."""
    sources = obs.obs_enum_sources()
    try:
        return sorted(obs.obs_source_get_name(s) for s in sources or []
                      if obs.obs_source_get_output_flags(s) & obs.OBS_SOURCE_AUDIO)
    finally:
        obs.source_list_release(sources)
