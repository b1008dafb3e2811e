"""``meetcast web``: the live view as a page for a phone, served from this laptop.

The first line on stdout is the page's URL, with its random token; everything else goes to
stderr. By default only this laptop can open it (127.0.0.1); ``--bind 0.0.0.0`` lets a
phone on the same network in, and prints the URL as a QR code too.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from meetcast_core.printable import shown

from .common import OBS_HELP


def register(sub: argparse._SubParsersAction, conn: argparse.ArgumentParser) -> None:
    # Not the shared connection flags: here --port is the page's port (issue 15); OBS's
    # host and port come from --obs-host/--obs-port, the environment or the config file.
    p = sub.add_parser("web", help="the live view as a web page for a phone (scenes, mute, "
                                   "lower third, start/stop)")
    p.add_argument("--port", dest="web_port", default=None, metavar="N",
                   help="the page's port (default 8455; 0: any free port)")
    p.add_argument("--bind", default=None, metavar="ADDR",
                   help="listen on ADDR (default 127.0.0.1: this laptop only; 0.0.0.0 lets "
                        "a phone on the LAN in, and prints a QR code of the URL)")
    p.add_argument("--seconds", type=float, default=0,
                   help="stop by itself after this many seconds (default: until Ctrl-C)")
    g = p.add_argument_group("OBS (password: MEETCAST_PASSWORD, MEETCAST_URL or the config "
                             "file, never the command line)")
    g.add_argument("--obs-host", dest="host", help="obs-websocket host (env MEETCAST_HOST)")
    g.add_argument("--obs-port", dest="port", help="obs-websocket port (env MEETCAST_PORT)")
    g.add_argument("--timeout", type=float, help="seconds to wait for OBS (default 5)")
    g.add_argument("--obs", metavar="NAME|all", default=None,
                   help=OBS_HELP + "; several: each one's health side by side, and the "
                                   "page's buttons act on all of them")
    p.add_argument("--record", type=Path, metavar="FILE",
                   help="session record path (default: a new file under "
                        "~/.local/state/meetcast/sessions/, as watch)")
    p.add_argument("--no-record", action="store_true",
                   help="keep no session record (default: one, as watch keeps)")
    p.add_argument("--auto-brb", action=argparse.BooleanOptionalAction, default=None,
                   help="switch to BRB while the stream is LOW (default: [auto_brb] enabled)")
    p.set_defaults(func=run, cost_per_hour=None)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from ..errors import BadInput
    from ..web.access import (
        DEFAULT_PORT,
        LOOPBACK,
        check_bind,
        check_port,
        new_token,
        page_url,
        url_host,
    )
    from ..web.qr import terminal_qr
    from .watch import make_sessions

    port = DEFAULT_PORT if args.web_port is None else check_port(args.web_port)
    bind = LOOPBACK if args.bind is None else check_bind(args.bind)
    if args.seconds < 0:
        raise BadInput("--seconds must not be negative")
    # checks the config file, opens OBS: one line if not (several: those not there yet are
    # watched as lost until they are)
    sessions, _ = make_sessions(args)
    session = sessions[0]
    from ..web.server import WebServer

    token = new_token()
    server = WebServer(session, token, session.engine.monitor.config.congestion,
                       others=sessions[1:])

    def ready(bound: int) -> None:
        url = page_url(url_host(bind), bound, token)
        print(url, flush=True)
        if args.bind is not None:
            qr = terminal_qr(url)
            print(qr if qr else "meetcast: for a QR code of this URL: pip install "
                                "'meetcast[qr]'", file=sys.stderr, flush=True)
        where = ", ".join(f"{s.conn.name} at {s.conn}" if s.conn.name else str(s.conn)
                          for s in sessions)
        print(f"meetcast: serving the live view of OBS {where} "
              f"({'this laptop only' if bind == LOOPBACK else 'on ' + bind}); Ctrl-C stops",
              file=sys.stderr, flush=True)
        for s in sessions:
            if s.recorder:
                print(f"recording this session to {s.recorder.path}", file=sys.stderr,
                      flush=True)

    sys.setswitchinterval(0.0005)  # a page's switch waits less behind the other threads
    try:
        asyncio.run(server.run(bind, port, ready, args.seconds))
    except OSError as exc:
        for s in sessions:
            s.stop()
        raise BadInput(f"cannot listen on {bind} port {port}: "
                       f"{exc.strerror or exc} (pick another with --port/--bind)") from None
    except KeyboardInterrupt:
        pass
    for s in sessions:
        s.stop()
    fatal = [s for s in sessions if s.fatal]
    for s in fatal:
        print(f"meetcast: {shown(s.conn.name + ': ') if s.conn.name else ''}{s.fatal}",
              file=sys.stderr)
    return 1 if fatal else 0
