"""One module per ``meetcast`` subcommand; each has ``register(subparsers, conn_parent)`` that
adds its parser and sets ``func`` to a function taking the parsed args and returning an exit
code. Add a module here to add a command."""

from . import lab, mute, profile, report, say, scenes, status, stream, switch, watch

COMMANDS = [status, scenes, switch, stream, mute, say, watch, report, profile, lab]
