"""``meetcast watch``: the live view. A dashboard on a terminal; one line a second when the
output is not a terminal (or ``--plain``); one JSON object a line with ``--json`` for scripts.
Every sample and scene change also goes to a JSONL session record (``meetcast report``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from meetcast_core.printable import shown

from .common import connection_from

if TYPE_CHECKING:  # imported where used: `meetcast --help` loads every command module
    from meetcast_core.stream.engine import Event, View

    from ..session import Session
    from ..settings import WatchSettings


def register(sub: argparse._SubParsersAction, conn: argparse.ArgumentParser) -> None:
    p = sub.add_parser("watch", parents=[conn],
                       help="live view: bitrate, health, drops, scenes (keys switch scenes)")
    p.add_argument("--seconds", type=float, default=0,
                   help="exit by itself after this many seconds (default: until q / Ctrl-C)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true",
                      help="print one JSON object per sample/event instead of the dashboard")
    mode.add_argument("--plain", action="store_true",
                      help="one text line per second (the default when not on a terminal)")
    p.add_argument("--record", type=Path, metavar="FILE",
                   help="session record path (default: a new file under "
                        "~/.local/state/meetcast/sessions/)")
    p.add_argument("--no-record", action="store_true", help="keep no session record")
    p.add_argument("--auto-brb", action=argparse.BooleanOptionalAction, default=None,
                   help="switch to BRB while the stream is LOW (default: [auto_brb] enabled)")
    p.add_argument("--cost-per-hour", type=float, metavar="AMOUNT",
                   help="what the cloud desktop costs per hour (default: [watch] cost_per_hour)")
    p.set_defaults(func=run)


def make_session(args: argparse.Namespace) -> tuple[Session, WatchSettings]:
    from ..connection import load_config
    from ..errors import BadInput
    from ..session import Session
    from ..settings import WatchSettings, watch_settings

    config = load_config()
    settings = watch_settings(config)
    if args.cost_per_hour is not None:
        if not 0 <= args.cost_per_hour <= 10000:  # [watch] cost_per_hour's range
            raise BadInput(f"--cost-per-hour must be 0..10000, got {args.cost_per_hour:g}")
        settings = WatchSettings(args.cost_per_hour, settings.currency, settings.interval,
                                 settings.record_dir)
    if args.auto_brb is not None:
        config = {**config, "auto_brb": {**config.get("auto_brb", {}),
                                         "enabled": args.auto_brb}}
    record = None if args.no_record else (args.record or settings.record_path())
    session = Session(connection_from(args), config, interval=settings.interval, record=record)
    return session.open(), settings


def cost_text(seconds: float, settings: WatchSettings | None) -> str:
    """``  cost $0.12 ($1.20/h)``: the cloud desktop's running cost while watching, as the
    dashboard shows it; empty when no cost per hour is set."""
    from ..settings import money

    if settings is None or not settings.cost_per_hour:
        return ""
    c, per = settings.currency, settings.cost_per_hour
    return f"  cost {money(seconds / 3600 * per, c)} ({money(per, c)}/h)"


def line(v: View, settings: WatchSettings | None = None) -> str:
    """One plain line for a person. Figures only when they were measured: OFFLINE says why
    instead, and STALE says how old the figures are. The running cost when one is set."""
    from ..settings import hms

    h = v.health
    state = v.state
    cost = cost_text(v.t + v.age, settings)
    if not v.connected or state == "OFFLINE":
        why = "; ".join(h.reasons) or "not streaming"
        scene = f"  scene “{shown(v.scene)}”" if v.scene else ""
        return f"{hms(v.t + v.age)} OFFLINE ({why}){scene}{cost}"
    rate = "   — kbps" if h.kbps is None else f"{h.kbps:5.0f} kbps"
    d = v.totals
    old = f" (figures {v.age:.1f} s old)" if state == "STALE" else ""
    pic = f"  {v.picture.text(v.t + v.age)}" if v.picture and v.picture.lost else ""
    return (f"{hms(v.t + v.age)} {state:<7} {rate}  congestion {v.sample.congestion:.2f}  "
            f"dropped net {d.network} enc {d.encoder} render {d.render}  "
            f"CPU {v.sample.cpu:.1f}%  {v.sample.fps:.1f} fps  "
            f"scene “{shown(v.scene or '—')}”{pic}{old}{cost}")


def run_lines(session: Session, seconds: float, as_json: bool,
              settings: WatchSettings | None = None) -> int:
    from meetcast_core.stream.record import dumps

    printed: View | None = None  # the last line printed for a person

    def on_line(obj: dict) -> None:
        try:  # programs get every line of the record, exactly as the record file has it
            print(dumps(obj), flush=True)
        except BrokenPipeError:  # `meetcast watch --json | head`: the reader is gone
            session.request_stop()

    def on_view(v: View) -> None:
        nonlocal printed
        try:
            if v.due_after(printed):  # a person gets a line a second, or news at once
                printed = v
                print(line(v, settings), flush=True)
        except BrokenPipeError:
            session.request_stop()

    def on_event(ev: Event) -> None:
        print(f"meetcast: {shown(ev.text)}", file=sys.stderr, flush=True)

    if as_json:
        if session.header:  # written when the session opened, before anyone listened
            on_line(session.header)
        session.on_line.append(on_line)
    else:
        session.on_view.append(on_view)
        session.on_event.append(on_event)
    try:
        session.run_here(seconds)
    except KeyboardInterrupt:
        pass
    finally:
        session.stop()
    if session.fatal:
        from ..errors import Failed

        if as_json:  # the event went to stdout; a human reading stderr still gets one line
            raise Failed(session.fatal)
        return 1  # the plain lines' stderr has said it already
    return 0


def run(args: argparse.Namespace) -> int:
    session, settings = make_session(args)  # bad flags or config: BadInput, exit 2
    if session.recorder and not args.json:
        print(f"recording this session to {session.recorder.path}", file=sys.stderr)
    if args.json or args.plain or not sys.stdout.isatty():
        return run_lines(session, args.seconds, args.json, settings)
    from ..dashboard import WatchApp  # Textual loads only for the dashboard

    app = WatchApp(session, settings, args.seconds)
    code = app.run()
    session.stop()
    if session.recorder:
        print(f"session recorded in {session.recorder.path} "
              f"(draw it: meetcast report {session.recorder.path})", file=sys.stderr)
    if session.fatal:  # after the dashboard has left the screen, so that it stays readable
        from ..errors import Failed

        raise Failed(session.fatal)
    return int(code or 0)
