"""``meetcast status``: is OBS there, which version, which scene, are we live — and is the
meetcast script in OBS the same version as this controller.

The script's version is read from the hotkey it holds while loaded (the channel is explained
in ``meetcast_core.script_version``). A different version, two copies, or none is a warning
on stderr, not a failure: the stream can still be steered, but the organiser should know
before the meetup that the cloud desktop runs something else than the laptop expects.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from meetcast_core.printable import shown

from .common import add_obs_flag, connections_from, each_reported, open_link, print_json


def register(sub: argparse._SubParsersAction, conn: argparse.ArgumentParser) -> None:
    p = sub.add_parser("status", parents=[conn],
                       help="show OBS's version, scene, stream state and meetcast's script")
    p.add_argument("--json", action="store_true", help="print JSON for scripts")
    add_obs_flag(p)
    p.set_defaults(func=run)


def gather(link: Any) -> dict[str, Any]:
    from meetcast_core.script_version import compare, loaded_versions

    from .. import __version__

    version = link.call("GetVersion")
    scene = link.call("GetCurrentProgramScene")
    stream = link.call("GetStreamStatus")
    scripts = loaded_versions(link.call("GetHotkeyList").get("hotkeys") or [])
    verdict = compare(__version__, scripts)
    return {
        "obs_version": version.get("obsVersion"),
        "websocket_version": version.get("obsWebSocketVersion"),
        "scene": scene.get("currentProgramSceneName") or scene.get("sceneName"),
        "streaming": bool(stream.get("outputActive")),
        "controller_version": __version__,
        "script_versions": scripts,
        "script_ok": verdict.ok,
        "script": verdict.text,
    }


def run(args: argparse.Namespace) -> int:
    conns = connections_from(args)
    if conns[0].name is None:
        with open_link(args) as link:
            info = gather(link)
        if args.json:
            print_json(info)
        show(info, link.conn, args.json)
        return 0
    code, out, done = each_reported(conns, gather)
    for conn, got in done:
        out[conn.name] = {**got, "obs": str(conn)}
        show(got, conn, args.json)
    if args.json:
        print_json(out)
    return code


def show(info: dict[str, Any], conn: Any, as_json: bool) -> None:
    """The lines for a person about one OBS (``main: `` first when it has a name)."""
    from .common import label

    name = label(conn) if getattr(conn, "name", None) else ""
    if not as_json:
        live = "LIVE" if info["streaming"] else "not streaming"
        print(f"{name}OBS {info['obs_version']} (obs-websocket {info['websocket_version']}) "
              f"at {conn}: scene “{shown(info['scene'])}”, {live}")
        if info["script_ok"]:
            print(f"{name}{info['script']}")
    if not info["script_ok"]:  # on stderr also with --json: a person may be watching
        print(f"meetcast: warning: {name}{shown(info['script'])}", file=sys.stderr)
