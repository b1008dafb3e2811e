"""``meetcast mute|unmute SOURCE``: mute an audio input (``mic`` and ``desktop`` are
shorthands for OBS's global Mic/Aux and Desktop Audio). One module for both directions: they
are one action with a sign."""

from __future__ import annotations

import argparse

from meetcast_core.names import DESKTOP_SOURCE, MIC_SOURCE
from meetcast_core.printable import shown

from ..errors import BadInput
from .common import add_obs_flag, run_each

ALIASES = {"mic": MIC_SOURCE, "microphone": MIC_SOURCE, "desktop": DESKTOP_SOURCE}


def register(sub: argparse._SubParsersAction, conn: argparse.ArgumentParser) -> None:
    for name, muted in (("mute", True), ("unmute", False)):
        p = sub.add_parser(name, parents=[conn], help=f"{name} an audio source "
                           "(mic, desktop or an input name)")
        p.add_argument("source", metavar="SOURCE")
        p.add_argument("--json", action="store_true", help="print JSON for scripts")
        add_obs_flag(p)
        p.set_defaults(func=run, muted=muted)


def audio_inputs(link) -> list[str]:
    """Inputs that have audio (GetInputMute answers for them)."""
    from ..obslink import ObsError  # obs-websocket loads when a command connects

    names = [i["inputName"] for i in link.call("GetInputList").get("inputs", [])]
    out = []
    for n in names:
        try:
            link.call("GetInputMute", {"inputName": n})
            out.append(n)
        except ObsError:
            pass
    return out


def resolve_input(link, wanted: str) -> str | None:
    names = audio_inputs(link)
    if wanted in names:
        return wanted
    alias = ALIASES.get(wanted.casefold())
    if alias in names:
        return alias
    folded = [n for n in names if n.casefold() == wanted.casefold()]
    return folded[0] if len(folded) == 1 else None


def set_mute(link, wanted: str, muted: bool) -> dict:
    """Mute or unmute ``wanted`` (a name or an alias) on one OBS; what it now is."""
    name = resolve_input(link, wanted)
    if name is None:
        listing = ", ".join(shown(n) for n in audio_inputs(link)) or "none"
        raise BadInput(f"no audio source “{shown(wanted)}”; audio sources: {listing}")
    link.call("SetInputMute", {"inputName": name, "inputMuted": muted})
    now = bool(link.call("GetInputMute", {"inputName": name}).get("inputMuted"))
    return {"source": name, "muted": now}


def run(args: argparse.Namespace) -> int:
    return run_each(args, lambda link: set_mute(link, args.source, args.muted),
                    lambda r: f"“{shown(r['source'])}” {'muted' if r['muted'] else 'unmuted'}")
