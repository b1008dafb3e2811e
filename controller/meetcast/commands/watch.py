"""``meetcast watch``: the live view. A dashboard on a terminal; one line a second when the
output is not a terminal (or ``--plain``); one JSON object a line with ``--json`` for scripts.
Every sample and scene change also goes to a JSONL session record (``meetcast report``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from meetcast_core.printable import shown

from .common import connection_from

if TYPE_CHECKING:  # imported where used: `meetcast --help` loads every command module
    from ..session import Event, Session, Snapshot
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
    from ..session import Session
    from ..settings import WatchSettings, watch_settings

    config = load_config()
    settings = watch_settings(config)
    if args.cost_per_hour is not None:
        if args.cost_per_hour < 0:
            raise argparse.ArgumentTypeError("--cost-per-hour must not be negative")
        settings = WatchSettings(args.cost_per_hour, settings.currency, settings.interval,
                                 settings.record_dir)
    if args.auto_brb is not None:
        config = {**config, "auto_brb": {**config.get("auto_brb", {}),
                                         "enabled": args.auto_brb}}
    record = None if args.no_record else (args.record or settings.record_path())
    session = Session(connection_from(args), config, interval=settings.interval, record=record)
    return session.open(), settings


def line(s: Snapshot) -> str:
    from ..settings import hms

    h = s.health
    rate = "   — kbps" if h.kbps is None else f"{h.kbps:5.0f} kbps"
    d = s.totals
    return (f"{hms(s.t)} {h.state:<7} {rate}  congestion {s.sample.congestion:.2f}  "
            f"dropped net {d.network} enc {d.encoder} render {d.render}  "
            f"CPU {s.sample.cpu:.1f}%  {s.sample.fps:.1f} fps  scene “{shown(s.scene or '—')}”")


def run_lines(session: Session, seconds: float, as_json: bool) -> int:
    from ..session import sample_record

    printed: Snapshot | None = None  # the last line printed for a person

    def on_snap(s: Snapshot) -> None:
        nonlocal printed
        try:
            if as_json:  # programs get every sample; a person a line a second, or news
                print(json.dumps(sample_record(s), ensure_ascii=False), flush=True)
            elif s.due_after(printed):
                printed = s
                print(line(s), flush=True)
        except BrokenPipeError:  # `meetcast watch --json | head`: the reader is gone
            session.request_stop()

    def on_event(ev: Event) -> None:
        if as_json:
            print(json.dumps({"type": "event", "t": round(ev.t, 3), "kind": ev.kind,
                              "text": ev.text, **ev.data}, ensure_ascii=False), flush=True)
        else:
            print(f"meetcast: {ev.text}", file=sys.stderr, flush=True)

    session.on_snapshot.append(on_snap)
    session.on_event.append(on_event)
    try:
        session.run(seconds)
    except KeyboardInterrupt:
        pass
    finally:
        session.stop()
    if session.fatal:
        if as_json:  # the event went to stdout; a human reading stderr still gets one line
            print(f"meetcast: {session.fatal}", file=sys.stderr)
        return 1
    return 0


def run(args: argparse.Namespace) -> int:
    try:
        session, settings = make_session(args)
    except argparse.ArgumentTypeError as exc:
        print(f"meetcast: {exc}", file=sys.stderr)
        return 2
    if session.recorder and not args.json:
        print(f"recording this session to {session.recorder.path}", file=sys.stderr)
    if args.json or args.plain or not sys.stdout.isatty():
        return run_lines(session, args.seconds, args.json)
    from ..dashboard import WatchApp  # Textual loads only for the dashboard

    app = WatchApp(session, settings, args.seconds)
    code = app.run()
    session.stop()
    if session.recorder:
        print(f"session recorded in {session.recorder.path} "
              f"(draw it: meetcast report {session.recorder.path})", file=sys.stderr)
    if session.fatal:
        print(f"meetcast: {session.fatal}", file=sys.stderr)
        return 1
    return int(code or 0)
