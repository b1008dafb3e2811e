"""Helpers shared by the subcommands: connecting from parsed flags, printing JSON.

The connection modules are imported when a command connects, not when this module loads:
every command module imports this one, and ``meetcast --help`` must stay fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from ..connection import Connection
    from ..obslink import ObsLink

T = TypeVar("T")
OBS_HELP = ("which OBS: a [obs.<name>] section of the config file, or 'all' (default: the "
            "single [obs] / MEETCAST_* environment)")


def connection_from(args: argparse.Namespace) -> Connection:
    from ..connection import resolve

    return resolve(host=getattr(args, "host", None), port=getattr(args, "port", None),
                   timeout=getattr(args, "timeout", None))


def add_obs_flag(p: argparse.ArgumentParser) -> None:
    """``--obs NAME|all`` on a command that can go to several OBS."""
    p.add_argument("--obs", metavar="NAME|all", default=None, help=OBS_HELP)


def connections_from(args: argparse.Namespace) -> list[Connection]:
    """The OBS a command goes to: ``[connection_from(args)]`` without ``--obs`` (exactly as
    before), else every OBS ``--obs NAME|all`` names, each with its ``name``."""
    wanted = getattr(args, "obs", None)
    if wanted is None:
        return [connection_from(args)]
    from ..connection import load_config, resolve_named
    from ..errors import BadInput
    from ..obs_targets import pick

    if getattr(args, "host", None) or getattr(args, "port", None) is not None:
        raise BadInput("--host/--port point at the single [obs]; with --obs the address of "
                       "each OBS is its [obs.<name>] section in the config file")
    config = load_config()
    try:
        names = pick(config, wanted) or []
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    return [resolve_named(n, getattr(args, "timeout", None), config) for n in names]


def label(conn: Connection) -> str:
    """``main: `` before what a command prints about a named OBS; nothing for the single one."""
    from meetcast_core.printable import shown

    return f"{shown(conn.name)}: " if conn.name else ""


def on_each(conns: list[Connection], act: Callable[[ObsLink], T]
            ) -> list[tuple[Connection, T | BaseException]]:
    """``act`` on a link to each OBS, all at once (a switch reaches main and backup together,
    not one connection time apart); each outcome is its result or the failure it raised.
    Anything that is not a known failure (a bug) is raised, not hidden."""
    from concurrent.futures import ThreadPoolExecutor

    from ..errors import exit_code
    from ..obslink import ObsLink

    def one(conn: Connection) -> T | BaseException:
        try:
            with ObsLink(conn) as link:
                return act(link)
        except Exception as exc:
            if exit_code(exc) is None:
                raise
            return exc

    with ThreadPoolExecutor(max_workers=len(conns) or 1) as pool:
        return list(zip(conns, pool.map(one, conns), strict=True))


def run_each(args: argparse.Namespace, act: Callable[[ObsLink], T],
             show: Callable[[T], str | None]) -> int:
    """Run a one-shot command on the OBS ``--obs`` names. Without ``--obs``: the one OBS,
    its failure raised (one line, its exit code), output as before. With it: each OBS's line
    prefixed with its name, ``--json`` an object by name (a failure as ``{"error": …}``),
    every failure its own line on stderr, and the exit code the worst of them (2 before 1)."""
    conns = connections_from(args)
    if conns[0].name is None:
        with open_link(args) as link:
            result = act(link)
        if getattr(args, "json", False):
            print_json(result)
        elif (text := show(result)) is not None:
            print(text)
        return 0
    code, out, done = each_reported(conns, act)
    for conn, got in done:
        out[conn.name] = got
        if not getattr(args, "json", False) and (text := show(got)) is not None:
            print(f"{label(conn)}{text}")
    if getattr(args, "json", False):
        print_json(out)
    return code


def each_reported(conns: list[Connection], act: Callable[[ObsLink], T]
                  ) -> tuple[int, dict[str, Any], list[tuple[Connection, T]]]:
    """``act`` on every OBS at once: each failure printed as its own stderr line with the
    OBS's name and kept as ``{"error": …}`` under that name; returns the worst exit code
    (2 before 1, 0 if none failed), those errors by name, and the successes in order."""
    from ..errors import exit_code, message_lines

    code, errors, done = 0, {}, []
    for conn, got in on_each(conns, act):
        if isinstance(got, BaseException):
            code = max(code, exit_code(got) or 1)
            lines = [line.removeprefix("meetcast: ") for line in message_lines(got)]
            for line in lines:
                print(f"meetcast: {label(conn)}{line}", file=sys.stderr)
            errors[conn.name] = {"error": " ".join(lines)}
        else:
            done.append((conn, got))
    return code, errors, done


def open_link(args: argparse.Namespace) -> ObsLink:
    from ..obslink import ObsLink

    return ObsLink(connection_from(args))


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
