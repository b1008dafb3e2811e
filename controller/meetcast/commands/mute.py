"""``meetcast mute|unmute SOURCE``: mute an audio input (``mic`` and ``desktop`` are
shorthands for OBS's global Mic/Aux and Desktop Audio). One module for both directions: they
are one action with a sign."""

from __future__ import annotations

import argparse

from meetcast_core.names import DESKTOP_SOURCE, MIC_SOURCE
from meetcast_core.printable import shown

from ..errors import BadInput
from .common import open_link, print_json

ALIASES = {"mic": MIC_SOURCE, "microphone": MIC_SOURCE, "desktop": DESKTOP_SOURCE}


def register(sub: argparse._SubParsersAction, conn: argparse.ArgumentParser) -> None:
    for name, muted in (("mute", True), ("unmute", False)):
        p = sub.add_parser(name, parents=[conn], help=f"{name} an audio source "
                           "(mic, desktop or an input name)")
        p.add_argument("source", metavar="SOURCE")
        p.add_argument("--json", action="store_true", help="print JSON for scripts")
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


def run(args: argparse.Namespace) -> int:
    with open_link(args) as link:
        name = resolve_input(link, args.source)
        if name is None:
            listing = ", ".join(shown(n) for n in audio_inputs(link)) or "none"
            raise BadInput(f"no audio source “{shown(args.source)}”; audio sources: {listing}")
        link.call("SetInputMute", {"inputName": name, "inputMuted": args.muted})
        muted = bool(link.call("GetInputMute", {"inputName": name}).get("inputMuted"))
    if args.json:
        print_json({"source": name, "muted": muted})
    else:
        print(f"“{shown(name)}” {'muted' if muted else 'unmuted'}")
    return 0
