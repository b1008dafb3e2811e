"""How a ``meetcast`` command fails: the kinds of failure, and the one table that gives each
its exit code.

docs/controller.md promises two codes a script can act on: 2 when the input was bad (a flag,
the config file, the URL, a scene or profile name that does not exist: the user has to change
something before trying again) and 1 when OBS or the connection failed (trying again later may
work). Commands raise; only :func:`exit_code` decides the number, so a new failure cannot get
a code of its own by accident. Every message is one line per fault, never a traceback.

Standard library only and cheap to import: ``meetcast --help`` imports it.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1  # OBS or the connection: the world, not the user's input
EXIT_BAD_INPUT = 2  # arguments, config file, URL, a name that does not exist
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports SIGINT


class MeetcastError(Exception):
    """A failure with a message meant for a person: one line per fault, no secret in it."""


class BadInput(MeetcastError):
    """The user's to fix: retrying the same command cannot work."""


class Failed(MeetcastError):
    """OBS refused, did not do it in time, or could not be reached."""


def _core_bad_input() -> tuple[type[BaseException], ...]:
    """The core's own rejections of user input (they cannot import the controller's classes:
    the core also runs inside OBS). Imported here, not at the top: still cheap, stdlib only."""
    from meetcast_core.scene_list import SceneNotFound
    from meetcast_core.schema import SchemaError

    return SceneNotFound, SchemaError


def exit_codes() -> tuple[tuple[type[BaseException], int], ...]:
    """The mapping, most specific first: the first class an exception is an instance of wins."""
    return ((BadInput, EXIT_BAD_INPUT), *((c, EXIT_BAD_INPUT) for c in _core_bad_input()),
            (Failed, EXIT_FAILED), (KeyboardInterrupt, EXIT_INTERRUPTED),
            (BrokenPipeError, EXIT_FAILED))


def exit_code(exc: BaseException) -> int | None:
    """The exit code for ``exc``, or None when it is not a known failure (a bug: let it show)."""
    for cls, code in exit_codes():
        if isinstance(exc, cls):
            return code
    return None


def message_lines(exc: BaseException) -> list[str]:
    """What to print for ``exc``, one ``meetcast: …`` line per fault (a config file with three
    typos gets three lines); nothing for a closed pipe, whose reader is gone."""
    if isinstance(exc, BrokenPipeError):
        return []
    if isinstance(exc, KeyboardInterrupt):
        return ["meetcast: interrupted"]
    return [f"meetcast: {line}" for line in str(exc).splitlines() if line.strip()]
