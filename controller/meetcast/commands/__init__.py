"""One module per ``meetcast`` subcommand; each has ``register(subparsers, conn_parent)`` that
adds its parser and sets ``func`` to a function taking the parsed args and returning an exit
code. Add a module here to add a command."""

from . import lab, profile, scenes, status

COMMANDS = [status, lab, profile, scenes]
