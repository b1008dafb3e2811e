"""``meetcast scenes``: the scenes numbered as in OBS's dock (the numbers ``meetcast switch``
takes), and ``meetcast scenes export``: the importable collections in ``scenes/``."""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

from meetcast_core.obs_versions import NEWEST_KNOWN, Version, parse_version
from meetcast_core.printable import shown
from meetcast_core.scene_list import dock_order

from ..errors import BadInput
from .common import add_obs_flag, run_each

_WINDOWS_ABS = re.compile(r"^([A-Za-z]:[\\/]|\\\\)")
# meetcast_core.scene_spec.OS_NAMES, spelt out so that `meetcast --help` need not import the
# scene spec (tests/test_script_install.py checks the two agree).
OS_NAMES: tuple[str, ...] = ("windows", "macos", "linux")


def register(sub: argparse._SubParsersAction, conn: argparse.ArgumentParser) -> None:
    p = sub.add_parser("scenes", parents=[conn],
                       help="list OBS's scenes, numbered as in its Scenes dock; or export "
                            "meetcast's scene collections")
    p.add_argument("--json", action="store_true", help="print JSON for scripts")
    add_obs_flag(p)
    p.set_defaults(func=run_list)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    lst = actions.add_parser("list", parents=[conn],
                             help="the scenes, numbered as in the Scenes dock (the default)")
    lst.add_argument("--json", action="store_true", help="print JSON for scripts")
    add_obs_flag(lst)
    lst.set_defaults(func=run_list)
    e = actions.add_parser(
        "export", help="write importable OBS scene collections generated from the scene spec")
    e.add_argument("--os", choices=OS_NAMES, action="append", dest="os_names",
                   help="only this OS (repeatable; default: all three)")
    e.add_argument("--out", default="scenes", type=Path,
                   help="folder to write meetcast-<os>.json into (default: ./scenes)")
    e.add_argument("--script", dest="script_path",
                   help="absolute path of meetcast_obs.py on the streaming machine (default: "
                        "the install location in docs/scenes.md); needs --os")
    e.add_argument("--canvas", default="1920x1080",
                   help="OBS base canvas WIDTHxHEIGHT the scenes are laid out for "
                        "(default 1920x1080)")
    newest = f"{NEWEST_KNOWN[0]}.{NEWEST_KNOWN[1]}"  # collection_export.DEFAULT_OBS
    e.add_argument("--obs-version", dest="obs_version", default=newest, metavar="VERSION",
                   help=f"the OBS version the files are for (default {newest}); only the "
                        "Windows text differs: 30.1 or older gets text_gdiplus v2, 30.2+ v3 "
                        "(docs/obs-versions.md)")
    e.set_defaults(func=run_export)


def listing(scene_list: dict) -> list[dict]:
    current = scene_list.get("currentProgramSceneName")
    return [{"number": i, "name": name, "current": name == current}
            for i, name in enumerate(dock_order(scene_list), 1)]


def numbered(scenes: list[dict]) -> str:
    width = len(str(len(scenes)))
    return "\n".join(f"{'*' if s['current'] else ' '} {s['number']:>{width}}. "
                     f"{shown(s['name'])}" for s in scenes)


def run_list(args: argparse.Namespace) -> int:
    def show(scenes: list[dict]) -> str:
        # several OBS: each list under its name ("main:" then the lines)
        text = numbered(scenes)
        if not text:
            return None
        return "\n" + text if getattr(args, "obs", None) else text

    return run_each(args, lambda link: listing(link.call("GetSceneList")), show)


def _fail(message: str) -> int:
    """Bad arguments to export: exit 2 (meetcast.errors)."""
    raise BadInput(message)


def _canvas(text: str) -> tuple[int, int] | None:
    m = re.fullmatch(r"(\d{2,5})x(\d{2,5})", text.strip())
    return (int(m.group(1)), int(m.group(2))) if m else None


def _obs_version(text: str) -> Version | None:
    try:
        version = parse_version(text)
    except ValueError:
        return None
    return version if version >= (28, 0) else None


def script_path_for(os_name: str, path: str) -> str | None:
    """``path`` as OBS on ``os_name`` needs it (absolute; Windows with forward slashes, as
    OBS's Python loader stores it), or None when it is not absolute there."""
    if os_name == "windows":
        return path.replace("\\", "/") if _WINDOWS_ABS.match(path) else None
    return path if path.startswith("/") else None


def run_export(args: argparse.Namespace) -> int:
    from meetcast_core import collection_export  # loads the scene spec: only here

    os_names = list(dict.fromkeys(args.os_names or OS_NAMES))
    canvas = _canvas(args.canvas)
    if canvas is None:
        return _fail(f"--canvas {args.canvas!r}: expected WIDTHxHEIGHT, e.g. 1920x1080")
    obs_version = _obs_version(args.obs_version)
    if obs_version is None:
        return _fail(f"--obs-version {args.obs_version!r}: expected an OBS version 28.0 or newer, "
                     "e.g. 31.0")
    script = None
    if args.script_path is not None:
        if len(os_names) != 1:
            return _fail("--script is a path on one machine: give --os with it")
        script = script_path_for(os_names[0], args.script_path)
        if script is None:
            return _fail(f"--script {args.script_path!r} is not an absolute {os_names[0]} "
                         "path: OBS would look for it relative to its own folder")
    texts = {name: collection_export.export(name, script, canvas=canvas, obs_version=obs_version)
             for name in os_names}
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        for name, text in texts.items():
            target = args.out / collection_export.file_name(name)
            partial = target.with_name(target.name + ".partial")
            partial.write_text(text, encoding="utf-8")
            os.replace(partial, target)  # a reader never sees half a file
            print(target)
    except OSError as exc:
        return _fail(f"cannot write to {shown(str(args.out))}: {exc.strerror or exc}")
    return 0
