"""``meetcast switch NAME|NUMBER``: put a scene on program, by name or by its dock number."""

from __future__ import annotations

import argparse
import time

from meetcast_core.printable import shown
from meetcast_core.scene_list import dock_order, resolve_scene

from .common import add_obs_flag, run_each


def register(sub: argparse._SubParsersAction, conn: argparse.ArgumentParser) -> None:
    p = sub.add_parser("switch", parents=[conn],
                       help="switch the program scene (name, or number as in `meetcast scenes`)")
    p.add_argument("scene", metavar="NAME|NUMBER",
                   help="scene name (case-insensitive if unique) or its number, top = 1")
    p.add_argument("--json", action="store_true", help="print JSON for scripts")
    add_obs_flag(p)
    p.set_defaults(func=run)


def switch(link, wanted: str) -> dict:
    """Resolve ``wanted`` against OBS's scenes and switch; returns what happened."""
    scene_list = link.call("GetSceneList")
    names = dock_order(scene_list)
    scene = resolve_scene(wanted, names)
    previous = scene_list.get("currentProgramSceneName")
    t0 = time.perf_counter()
    if scene != previous:  # switching to the scene already on program changes nothing
        link.call("SetCurrentProgramScene", {"sceneName": scene})
    return {"scene": scene, "previous": previous, "number": names.index(scene) + 1,
            "changed": scene != previous, "seconds": round(time.perf_counter() - t0, 4)}


def said(result: dict) -> str:
    if result["changed"]:
        return (f"switched to {result['number']}. “{shown(result['scene'])}” "
                f"(was “{shown(result['previous'])}”)")
    return f"already on {result['number']}. “{shown(result['scene'])}”"


def run(args: argparse.Namespace) -> int:
    # SceneNotFound: bad input, exit 2 (errors.py); each OBS resolves the name in its own list
    return run_each(args, lambda link: switch(link, args.scene), said)
