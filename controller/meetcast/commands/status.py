"""``meetcast status``: is OBS there, which version, which scene, are we live."""

from __future__ import annotations

import argparse

from .common import open_link, print_json


def register(sub: argparse._SubParsersAction, conn: argparse.ArgumentParser) -> None:
    p = sub.add_parser("status", parents=[conn], help="show OBS's version, scene and stream state")
    p.add_argument("--json", action="store_true", help="print JSON for scripts")
    p.set_defaults(func=run)


def gather(link) -> dict:
    version = link.call("GetVersion")
    scene = link.call("GetCurrentProgramScene")
    stream = link.call("GetStreamStatus")
    return {
        "obs_version": version.get("obsVersion"),
        "websocket_version": version.get("obsWebSocketVersion"),
        "scene": scene.get("currentProgramSceneName") or scene.get("sceneName"),
        "streaming": bool(stream.get("outputActive")),
    }


def run(args: argparse.Namespace) -> int:
    with open_link(args) as link:
        info = gather(link)
    if args.json:
        print_json(info)
    else:
        live = "LIVE" if info["streaming"] else "not streaming"
        print(f"OBS {info['obs_version']} (obs-websocket {info['websocket_version']}) at "
              f"{link.conn}: scene “{info['scene']}”, {live}")
    return 0
