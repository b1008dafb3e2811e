"""``meetcast stream start|stop``: go live or end the stream.

Stopping ends the show for everyone watching, so it asks first on a terminal; scripts pass
``--yes``. Without a terminal to ask on and without ``--yes`` it refuses rather than guess.
"""

from __future__ import annotations

import argparse
import sys
import time

from ..errors import BadInput, Failed
from .common import open_link, print_json


def register(sub: argparse._SubParsersAction, conn: argparse.ArgumentParser) -> None:
    p = sub.add_parser("stream", parents=[conn], help="start or stop streaming")
    # Optional for argparse, so that a bare `meetcast stream` says what to type instead of
    # argparse's "the following arguments are required: action".
    p.add_argument("action", choices=["start", "stop"], nargs="?", metavar="start|stop")
    p.add_argument("--yes", "-y", action="store_true",
                   help="stop without asking (for scripts)")
    p.add_argument("--json", action="store_true", help="print JSON for scripts")
    p.set_defaults(func=run)


def confirm(question: str) -> bool | None:
    """True/False from the user on a terminal; None when there is no terminal to ask on."""
    if not sys.stdin or not sys.stdin.isatty():
        return None
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def wait_for(link, active: bool, timeout: float = 10.0) -> bool:
    """OBS answers StartStream/StopStream at once; the output changes state a moment later."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if bool(link.call("GetStreamStatus").get("outputActive")) == active:
            return True
        time.sleep(0.1)
    return False


def run(args: argparse.Namespace) -> int:
    if args.action is None:
        raise BadInput("stream needs start or stop: meetcast stream start, or meetcast stream "
                       "stop (asks first)")
    want = args.action == "start"
    with open_link(args) as link:
        active = bool(link.call("GetStreamStatus").get("outputActive"))
        if active == want:
            result = {"streaming": active, "changed": False}
        else:
            if not want and not args.yes:
                ok = confirm(f"Stop the live stream on OBS at {link.conn}?")
                if ok is None:
                    raise BadInput("not stopping the stream without confirmation: pass --yes "
                                   "(no terminal to ask on)")
                if not ok:
                    raise Failed("the stream goes on (not confirmed)")
            link.call("StartStream" if want else "StopStream")
            if not wait_for(link, want):
                raise Failed(f"OBS did not {'start' if want else 'stop'} streaming within "
                             f"10 s: check OBS's stream settings and log")
            result = {"streaming": want, "changed": True}
    if args.json:
        print_json(result)
    elif result["changed"]:
        print("streaming: LIVE" if want else "stream stopped")
    else:
        print("already streaming" if want else "not streaming")
    return 0
