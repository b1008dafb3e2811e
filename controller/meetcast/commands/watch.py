"""``meetcast watch``: the live view. A dashboard on a terminal; one line a second when the
output is not a terminal (or ``--plain``); one JSON object a line with ``--json`` for scripts.
Every sample and scene change also goes to a JSONL session record (``meetcast report``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from meetcast_core.printable import shown

from .common import add_obs_flag, connection_from

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
    add_obs_flag(p)
    p.set_defaults(func=run)


def make_session(args: argparse.Namespace) -> tuple[Session, WatchSettings]:
    """The one watched OBS of a plain ``watch`` / ``web`` (no ``--obs``)."""
    config, settings, record = _watch_setup(args)
    from ..session import Session

    session = Session(connection_from(args), config, interval=settings.interval, record=record)
    return session.open(), settings


def make_sessions(args: argparse.Namespace) -> tuple[list[Session], WatchSettings]:
    """One Session per OBS ``--obs`` names (without it: the one of :func:`make_session`).
    Each has its own engine (health, auto-BRB, STALE) and record file
    (``…-<name>.jsonl``); an OBS that is not there yet is watched as lost until it is."""
    if getattr(args, "obs", None) is None:
        session, settings = make_session(args)
        return [session], settings
    from ..session import Session
    from .common import connections_from

    conns = connections_from(args)  # bad --obs, or a bad section: one line, exit 2
    config, settings, record = _watch_setup(args)
    sessions = []
    try:
        for conn in conns:
            path = None if record is None else named_record(record, conn.name or "")
            sessions.append(Session(conn, config, interval=settings.interval,
                                    record=path).open(required=False))
    except BaseException:
        for s in sessions:
            s.stop()
        raise
    return sessions, settings


def named_record(path: Path, name: str) -> Path:
    """``2026….jsonl`` → ``2026…-main.jsonl``: one record per OBS, each one ``meetcast
    report`` reads as it reads any record."""
    return path.with_name(f"{path.stem}-{name}{path.suffix or '.jsonl'}")


def _watch_setup(args: argparse.Namespace):
    from ..connection import load_config
    from ..errors import BadInput
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
    return config, settings, record


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


def obs_tag(name: str, v: View | None) -> str:
    """``main (on air)`` / ``backup``: which OBS a line is about, and whether it is the one
    streaming (on air) right now; both can be, each is said."""
    live = v is not None and v.connected and v.sample.active
    return f"{shown(name)} (on air)" if live else shown(name)


def run_several_lines(sessions: list[Session], seconds: float, as_json: bool,
                      settings: WatchSettings | None = None) -> int:
    """``watch --obs …`` without the dashboard: every OBS polled by its own session at its
    own rate, side by side in one output. ``--json``: the record's lines of all of them, each
    with its ``obs_name``; the plain lines: one a second per OBS, its name (and on air) first."""
    import threading

    from meetcast_core.stream.record import dumps

    out = threading.Lock()  # two pollers print: a line is written whole, never interleaved

    def write(text: str, stream=None) -> None:
        with out:
            (stream or sys.stdout).write(text + "\n")
            (stream or sys.stdout).flush()

    def stop_all() -> None:
        for s in sessions:
            s.request_stop()

    for session in sessions:
        name = session.conn.name or str(session.conn)
        printed: list[View | None] = [None]

        def on_line(obj: dict) -> None:
            try:
                write(dumps(obj))
            except BrokenPipeError:
                stop_all()

        def on_view(v: View, printed=printed, name=name) -> None:
            try:
                if v.due_after(printed[0]):
                    printed[0] = v
                    write(f"{obs_tag(name, v)}  {line(v, settings)}")
            except BrokenPipeError:
                stop_all()

        def on_event(ev: Event, name=name) -> None:
            write(f"meetcast: {shown(name)}: {shown(ev.text)}", sys.stderr)

        if as_json:
            if session.header:
                on_line(session.header)
            session.on_line.append(on_line)
        else:
            session.on_view.append(on_view)
            session.on_event.append(on_event)
    for session in sessions:
        session.start(seconds)
    try:
        while not all(s.stopped for s in sessions):
            threading.Event().wait(0.1)
    except KeyboardInterrupt:
        pass
    finally:
        for session in sessions:
            session.stop()
    fatal = [s for s in sessions if s.fatal]
    if fatal and as_json:
        from ..errors import Failed

        raise Failed("; ".join(f"{s.conn.name}: {s.fatal}" for s in fatal))
    return 1 if fatal else 0


def run(args: argparse.Namespace) -> int:
    if getattr(args, "obs", None) is not None:
        return run_several(args)
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


def run_several(args: argparse.Namespace) -> int:
    """``watch --obs NAME|all``: a session per OBS, side by side."""
    sessions, settings = make_sessions(args)
    if not args.json:
        for s in sessions:
            if s.recorder:
                print(f"recording {shown(s.conn.name or '')} to {s.recorder.path}",
                      file=sys.stderr)
    if args.json or args.plain or not sys.stdout.isatty():
        return run_several_lines(sessions, args.seconds, args.json, settings)
    from ..dashboard import WatchApp

    app = WatchApp(sessions[0], settings, args.seconds, others=sessions[1:])
    code = app.run()
    for s in sessions:
        s.stop()
    fatal = [s for s in sessions if s.fatal]
    if fatal:
        from ..errors import Failed

        raise Failed("; ".join(f"{s.conn.name}: {s.fatal}" for s in fatal))
    return int(code or 0)
