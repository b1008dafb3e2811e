"""``meetcast say TEXT``: put TEXT in the lower third (the speaker's name, the next talk).

The lower third is the text source meetcast's scenes share (names.SOURCE_LOWER_THIRD); only
its ``text`` changes, the user's font and colours stay as they are. Text sources on every
platform (text_gdiplus on Windows, text_ft2_source on Linux/macOS) keep it under ``text``.
"""

from __future__ import annotations

import argparse

from meetcast_core.names import SOURCE_LOWER_THIRD
from meetcast_core.printable import shown

from .common import open_link, print_json


def register(sub: argparse._SubParsersAction, conn: argparse.ArgumentParser) -> None:
    p = sub.add_parser("say", parents=[conn], help="set the lower third's text")
    p.add_argument("text", metavar="TEXT", nargs="?", default=None,
                   help="the text (quote it); omit with --clear to empty the lower third")
    p.add_argument("--clear", action="store_true", help="empty the lower third")
    p.add_argument("--json", action="store_true", help="print JSON for scripts")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import BadInput, Failed
    from ..obslink import NotConnected, ObsError  # obs-websocket loads when a command connects

    if args.clear and args.text is not None:
        raise BadInput("say: give TEXT or --clear, not both (--clear empties the lower third)")
    if not args.clear and args.text is None:
        raise BadInput("say needs TEXT (quote it), or --clear to empty the lower third")
    text = "" if args.clear else args.text.replace("\\n", "\n")
    with open_link(args) as link:
        try:
            link.call("GetInputSettings", {"inputName": SOURCE_LOWER_THIRD})
        except NotConnected:
            raise
        except ObsError:
            raise Failed(f"OBS has no “{SOURCE_LOWER_THIRD}” source yet: load "
                         "obs_scripts/meetcast_obs.py in OBS (Tools → Scripts), which builds "
                         "it") from None
        link.call("SetInputSettings", {"inputName": SOURCE_LOWER_THIRD,
                                       "inputSettings": {"text": text}, "overlay": True})
        now = link.call("GetInputSettings", {"inputName": SOURCE_LOWER_THIRD})
    held = now.get("inputSettings", {}).get("text", "")
    if args.json:
        print_json({"source": SOURCE_LOWER_THIRD, "text": held})
    else:
        print(f"lower third: “{shown(held)}”" if held else "lower third cleared")
    return 0
