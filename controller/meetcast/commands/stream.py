"""``meetcast stream start|stop``: go live or end the stream.

Stopping ends the show for everyone watching, so it asks first on a terminal; scripts pass
``--yes``. Without a terminal to ask on and without ``--yes`` it refuses rather than guess.
"""

from __future__ import annotations

import argparse
import sys
import time

from ..errors import BadInput, Failed
from .common import add_obs_flag, connections_from, each_reported, label, open_link, print_json


def register(sub: argparse._SubParsersAction, conn: argparse.ArgumentParser) -> None:
    p = sub.add_parser("stream", parents=[conn], help="start or stop streaming")
    # Optional for argparse, so that a bare `meetcast stream` says what to type instead of
    # argparse's "the following arguments are required: action".
    p.add_argument("action", choices=["start", "stop"], nargs="?", metavar="start|stop")
    p.add_argument("--yes", "-y", action="store_true",
                   help="stop without asking (for scripts)")
    p.add_argument("--json", action="store_true", help="print JSON for scripts")
    add_obs_flag(p)
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
    if getattr(args, "obs", None) is not None:
        return run_several(args, want)
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


def stop_question(conns: list) -> str:
    """The one question before stopping one or several named OBS."""
    names = ", ".join(f"{label(c).removesuffix(': ')} at {c}" for c in conns)
    return f"Stop the live stream on OBS {names}?"


def run_several(args: argparse.Namespace, want: bool) -> int:
    """``stream start|stop --obs NAME|all``: read every OBS's state first, ask ONCE before
    stopping any (naming each OBS that is live), then start or stop them all at once."""
    conns = connections_from(args)
    code, out, states = each_reported(
        conns, lambda link: bool(link.call("GetStreamStatus").get("outputActive")))
    to_change = []
    for conn, active in states:
        if active == want:
            out[conn.name] = {"streaming": active, "changed": False}
        else:
            to_change.append(conn)
    if to_change and not want and not args.yes:
        ok = confirm(stop_question(to_change))
        if ok is None:
            raise BadInput("not stopping the stream without confirmation: pass --yes "
                           "(no terminal to ask on)")
        if not ok:
            raise Failed("the stream goes on (not confirmed)")

    def change(link) -> dict:
        link.call("StartStream" if want else "StopStream")
        if not wait_for(link, want):
            raise Failed(f"OBS did not {'start' if want else 'stop'} streaming within "
                         f"10 s: check OBS's stream settings and log")
        return {"streaming": want, "changed": True}

    if to_change:
        changed_code, errors, changed = each_reported(to_change, change)
        code = max(code, changed_code)
        out.update(errors)
        out.update((conn.name, got) for conn, got in changed)
    if args.json:
        print_json({c.name: out[c.name] for c in conns})
    else:
        for c in conns:
            r = out[c.name]
            if "error" in r:
                continue
            text = (("streaming: LIVE" if want else "stream stopped") if r["changed"]
                    else ("already streaming" if want else "not streaming"))
            print(f"{label(c)}{text}")
    return code
