"""Carry out an audio-chain plan over obs-websocket (the controller's edge; the script has its
own in ``meetcast_obsglue/audio.py``). The decisions are all in ``meetcast_core.audio_chain``.

Over the websocket the NVIDIA denoiser cannot be detected (no request lists a filter's
property choices), so chains resolve against the methods every OBS has: RNNoise, Speex. A
filter OBS 31 migrated (``meetcast: …_ported``) is adopted here too, by the same plan.
"""

from __future__ import annotations

from meetcast_core import audio_chain as ac

from .obslink import ObsLink


def existing(link: ObsLink, source: str) -> list[ac.Existing]:
    """The source's filters as (name, kind, settings), in OBS's order."""
    filters = link.call("GetSourceFilterList", {"sourceName": source})["filters"]
    filters.sort(key=lambda f: f["filterIndex"])
    return [(f["filterName"], f["filterKind"], f.get("filterSettings") or {}) for f in filters]


def carry_out(link: ObsLink, source: str, ops: list[ac.Op]) -> None:
    for op in ops:
        if op.action == "remove":
            link.call("RemoveSourceFilter", {"sourceName": source, "filterName": op.name})
        elif op.action == "rename":
            link.call("SetSourceFilterName", {"sourceName": source, "filterName": op.name,
                                              "newFilterName": op.new_name})
        elif op.action == "create":
            link.call("CreateSourceFilter", {"sourceName": source, "filterName": op.name,
                                             "filterKind": op.kind,
                                             "filterSettings": op.settings})
        elif op.action == "update":
            link.call("SetSourceFilterSettings", {"sourceName": source, "filterName": op.name,
                                                  "filterSettings": op.settings,
                                                  "overlay": True})
        elif op.action == "move":
            link.call("SetSourceFilterIndex", {"sourceName": source, "filterName": op.name,
                                               "filterIndex": op.index})


def apply_chain(link: ObsLink, source: str, chain: ac.Chain | None) -> list[ac.Op]:
    """Put ``chain`` on ``source`` (None: remove meetcast's audio filters); the ops done."""
    desired = ac.resolve(chain, ac.BUILTIN_METHODS) if chain is not None else []
    ops = ac.plan(existing(link, source), desired)
    carry_out(link, source, ops)
    return ops


def apply_specs(link: ObsLink, source: str, desired: list[ac.FilterSpec]) -> list[ac.Op]:
    """Like :func:`apply_chain` for filters given directly (benchmarks compare variants)."""
    ops = ac.plan(existing(link, source), desired)
    carry_out(link, source, ops)
    return ops
