"""Helpers shared by the subcommands: connecting from parsed flags, printing JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..connection import Connection, resolve
from ..obslink import ObsLink


def connection_from(args: argparse.Namespace) -> Connection:
    return resolve(host=getattr(args, "host", None), port=getattr(args, "port", None),
                   timeout=getattr(args, "timeout", None))


def open_link(args: argparse.Namespace) -> ObsLink:
    return ObsLink(connection_from(args))


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
