"""``meetcast``: the command line. Each subcommand lives in its own module under
``meetcast.commands`` and registers itself; this module owns parsing, connection flags and the
rule that every failure is one line on stderr (one per fault) with the exit code
``meetcast.errors`` gives it, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from meetcast_core.printable import GuardedStream

from . import __version__
from .commands import COMMANDS
from .errors import EXIT_BAD_INPUT, EXIT_FAILED, BadInput, exit_code, message_lines

EXIT_ERROR = EXIT_FAILED
EXIT_USAGE = EXIT_BAD_INPUT
UserError = BadInput  # bad input from the user: argparse's complaints, refused secret flags


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse prints usage + message; keep it to one line
        raise UserError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="meetcast", description="Steer a meetup stream in OBS from a laptop.")
    parser.add_argument("--version", action="version", version=f"meetcast {__version__}")
    conn = argparse.ArgumentParser(add_help=False)
    g = conn.add_argument_group("connection (password: MEETCAST_PASSWORD, MEETCAST_URL or the "
                                "config file, never the command line)")
    g.add_argument("--host", help="obs-websocket host (env MEETCAST_HOST, default localhost)")
    g.add_argument("--port", help="obs-websocket port (env MEETCAST_PORT, default 4455)")
    g.add_argument("--timeout", type=float, help="seconds to wait for OBS (default 5)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in COMMANDS:
        module.register(sub, conn)
    return parser


def _refuse_secret_flags(argv: Sequence[str]) -> None:
    for arg in argv:
        if arg.split("=", 1)[0] in ("--password", "--pass", "-p", "--stream-key", "--key"):
            raise UserError("secrets are not taken on the command line (other users can read "
                            "it): set MEETCAST_PASSWORD or put it in the config file")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command with stdout/stderr guarded: no name from OBS or a file reaches the
    terminal as a control sequence, whichever command printed it."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = GuardedStream(sys.stdout), GuardedStream(sys.stderr)
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = saved


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        _refuse_secret_flags(argv)
        args = build_parser().parse_args(argv)
        if not getattr(args, "func", None):
            build_parser().print_help()
            return EXIT_USAGE
        return int(args.func(args) or 0)
    except (Exception, KeyboardInterrupt) as exc:
        code = exit_code(exc)
        if code is None:  # not a failure meetcast knows: a bug, whose traceback should show
            raise
        for line in message_lines(exc):
            print(line, file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
