"""Helpers shared by the subcommands: connecting from parsed flags, printing JSON.

The connection modules are imported when a command connects, not when this module loads:
every command module imports this one, and ``meetcast --help`` must stay fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..connection import Connection
    from ..obslink import ObsLink


def connection_from(args: argparse.Namespace) -> Connection:
    from ..connection import resolve

    return resolve(host=getattr(args, "host", None), port=getattr(args, "port", None),
                   timeout=getattr(args, "timeout", None))


def open_link(args: argparse.Namespace) -> ObsLink:
    from ..obslink import ObsLink

    return ObsLink(connection_from(args))


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
