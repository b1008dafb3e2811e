"""One module per ``meetcast`` subcommand; each has ``register(subparsers, conn_parent)`` that
adds its parser and sets ``func`` to a function taking the parsed args and returning an exit
code. Add a module here to add a command.

Importing a command module must stay cheap (argparse and the standard library): every one is
imported for ``meetcast --help``, which has to start in well under 0.3 s. Anything heavier
(obs-websocket, the core's YAML and scene modules, Textual, matplotlib) is imported inside the
function that runs the command.

``meetcast lab`` is test and demo tooling that lives in the checkout only (it needs OBS, Xvfb,
nginx-rtmp and PulseAudio from the system): the wheel leaves ``meetcast.lab`` out, and the
command is offered only where that package is present, never as a command that cannot work.
"""

from importlib.util import find_spec

from . import mute, profile, report, say, scenes, script, status, stream, switch, watch, web

COMMANDS = [status, scenes, switch, stream, mute, say, watch, web, report, profile, script]

if find_spec("meetcast.lab") is not None:
    from . import lab

    COMMANDS.append(lab)
