"""Several OBS: the names in the config file (``[obs.<name>]``) and which of them a command's
``--obs NAME|all`` means. Plain functions over the config dict, no I/O.

A meetup that matters runs a backup: a second cloud desktop whose OBS streams to the
platform's backup ingest. Each OBS gets a section of its own, ``[obs.main]``, ``[obs.backup]``,
beside the plain ``[obs]``. TOML reads ``[obs.main]`` as a table inside ``[obs]``, so the
named sections are the values of ``[obs]`` that are tables, and the plain keys (url, host, …)
are the rest. Without ``--obs`` nothing here is used: the single ``[obs]`` (and the
``MEETCAST_*`` environment) stays the one OBS, exactly as before.
"""

from __future__ import annotations

import re
from typing import Any

from meetcast_core.printable import shown

ALL = "all"  # --obs all: every named OBS, in the file's order
# A name is typed after --obs and shown beside each OBS's figures: short, plain, no spaces.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
NAME_RULE = "letters, digits, '-' and '_', 32 at most, starting with a letter or digit"


def name_fault(name: str) -> str | None:
    """Why ``name`` cannot name an OBS, or None when it can. ``all`` is --obs's own word."""
    if name.casefold() == ALL:
        return f"“{ALL}” is reserved (--obs all means every OBS): pick another name"
    if not _NAME.fullmatch(name):
        return f"not a name for an OBS ({NAME_RULE})"
    return None


def split_obs(table: Any) -> tuple[Any, dict[str, Any]]:
    """``[obs]`` as TOML gives it → (its plain keys, its named sections). A table value is a
    named section; anything else stays for the plain ``[obs]`` schema to judge."""
    if not isinstance(table, dict):
        return table, {}
    plain = {k: v for k, v in table.items() if not isinstance(v, dict)}
    named = {k: v for k, v in table.items() if isinstance(v, dict)}
    return plain, named


def obs_names(config: dict[str, Any]) -> list[str]:
    """The named OBS of a (validated) config, in the file's order."""
    return list(split_obs(config.get("obs") or {})[1])


def pick(config: dict[str, Any], wanted: str | None) -> list[str] | None:
    """The OBS names ``--obs wanted`` means: None without ``--obs`` (the single ``[obs]``);
    every named one for ``all``; the one named (case-insensitively when unique).

    ValueError with the line to show when ``wanted`` names none of them."""
    if wanted is None:
        return None
    names = obs_names(config)
    if not names:
        raise ValueError(f"--obs {shown(wanted)}: the config file has no [obs.<name>] sections "
                         "(e.g. [obs.main] and [obs.backup], each with url or host/port)")
    if wanted.casefold() == ALL:
        return names
    if wanted in names:
        return [wanted]
    folded = [n for n in names if n.casefold() == wanted.casefold()]
    if len(folded) == 1:
        return folded
    raise ValueError(f"--obs {shown(wanted)}: no [obs.{shown(wanted)}] in the config file "
                     f"(there are: {', '.join(shown(n) for n in names)}; or --obs {ALL})")


def on_air(streaming: dict[str, bool]) -> list[str]:
    """Which OBS are live (streaming), in order: what ``watch`` and ``web`` call on air.
    Both can be (main and backup to two ingests): each is said."""
    return [name for name, live in streaming.items() if live]
