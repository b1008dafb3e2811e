"""The filter operations that turn a source's current filter list into a chain.

The plan is plain data, so the rule "meetcast's filters updated in place and in order, never
duplicated; the user's own filters untouched and where they were" lives here, once, tested
without OBS; the OBS script and the controller only carry it out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from . import names
from .audio_filter_kinds import NVIDIA_AUDIOFX, OWNED_KINDS, PORTED_SUFFIX
from .audio_resolve import FilterSpec

Existing = tuple[str, str, dict[str, Any]]  # (filter name, kind, settings) as OBS has them


@dataclass(frozen=True)
class Op:
    """One filter operation. ``index`` is the position in the list as it is at that moment.

    - ``remove``: delete the filter at ``index`` (named ``name``, checked before removing)
    - ``rename``: rename ``name`` to ``new_name`` (adopting a filter OBS migrated)
    - ``create``: add ``name`` of ``kind`` with ``settings`` at the END of the list
    - ``update``: overlay ``settings`` on ``name``'s settings
    - ``move``:   move ``name`` to ``index``
    """

    action: str
    name: str
    kind: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    index: int = -1
    new_name: str = ""


def owned(name: str, kind: str) -> bool:
    """meetcast's own audio filter: its prefix AND an audio kind meetcast uses.

    The kind check keeps a future meetcast video filter (same prefix) out of the audio plan.
    """
    return names.is_meetcast_filter(name) and kind in OWNED_KINDS


def ported_base(name: str, kind: str) -> str | None:
    """The meetcast filter name a filter OBS migrated came from, or None.

    OBS 31 turns a Noise Suppression filter running NVIDIA's denoiser into an
    ``nvidia_audiofx_filter`` named ``<name>_ported`` at the END of the list (after the
    limiter). When ``<name>`` is meetcast's, the filter is meetcast's too: adopted, renamed
    back and put in its place. A user's own ``…_ported`` filter has no meetcast prefix.
    """
    if kind != NVIDIA_AUDIOFX or not name.endswith(PORTED_SUFFIX):
        return None
    base = name[:-len(PORTED_SUFFIX)]
    return base if names.is_meetcast_filter(base) else None


def _differs(want: dict[str, Any], have: dict[str, Any]) -> bool:
    return any(k not in have or have[k] != v for k, v in want.items())


def target_order(existing: Sequence[Existing], desired: Sequence[FilterSpec]) -> list[str]:
    """The filter names in the order they should end up.

    The user's filters keep their places. meetcast's filters fill the places meetcast's
    filters already had (in chain order); any left over go right after the last of those,
    or — on a first apply — at the end, so the limiter is the last thing the audio meets.
    """
    want = [d.name for d in desired]
    order: list[str] = []
    slots_used = 0
    last_slot = -1
    for name, kind, _ in existing:
        if owned(name, kind):
            if slots_used < len(want):
                order.append(want[slots_used])
                slots_used += 1
                last_slot = len(order) - 1
        else:
            order.append(name)
    rest = want[slots_used:]
    at = last_slot + 1 if last_slot >= 0 else len(order)
    return order[:at] + rest + order[at:]


def plan(existing: Sequence[Existing], desired: Sequence[FilterSpec]) -> list[Op]:
    """Operations that turn ``existing`` into the user's filters plus ``desired``.

    ``desired`` empty means "remove meetcast's audio filters". Applying the result and
    planning again gives ``[]`` (idempotent). A meetcast filter of the wrong kind or a
    duplicate name is removed and, if wanted, created afresh. A meetcast filter OBS migrated
    (:func:`ported_base`) is adopted: judged under its meetcast name, renamed back to it if it
    stays, and moved to its step's place — never left after the limiter.
    """
    ops: list[Op] = []
    by_name = {d.name: d for d in desired}

    # 0. adoption: each filter under the name meetcast will give it
    adopted = {i: base for i, (name, kind, _) in enumerate(existing)
               if (base := ported_base(name, kind)) is not None}
    view: list[Existing] = [(adopted.get(i, n), k, s) for i, (n, k, s) in enumerate(existing)]

    # 1. remove meetcast filters that are not wanted, have the wrong kind, or are duplicates
    seen: set[str] = set()
    drop: list[int] = []
    for i, (name, kind, _) in enumerate(view):
        if not owned(name, kind) and not (name in by_name and names.is_meetcast_filter(name)):
            continue
        d = by_name.get(name)
        if d is None or d.kind != kind or name in seen:
            drop.append(i)
        else:
            seen.add(name)
    # An adopted filter's place (the end, where OBS put it) is no step's place: it is placed
    # like a missing step, so the user's filters keep where they were relative to the chain.
    order = target_order([c for i, c in enumerate(view) if i not in drop and i not in adopted],
                         desired)
    cur: list[Existing] = list(existing)
    for i in reversed(drop):  # by the name OBS has now, before any rename can clash
        ops.append(Op("remove", cur[i][0], index=i))
    keep = [i for i in range(len(existing)) if i not in drop]
    for i in keep:
        if i in adopted:
            ops.append(Op("rename", existing[i][0], new_name=adopted[i]))
    cur = [view[i] for i in keep]

    # 2. create what is missing (OBS appends), 3. update settings that differ
    have = {c[0]: c for c in cur}
    for d in desired:
        if d.name not in have:
            ops.append(Op("create", d.name, d.kind, dict(d.settings)))
            cur.append((d.name, d.kind, dict(d.settings)))
        elif _differs(d.settings, have[d.name][2]):
            ops.append(Op("update", d.name, d.kind, dict(d.settings)))
            i = [c[0] for c in cur].index(d.name)
            cur[i] = (d.name, d.kind, {**cur[i][2], **d.settings})

    # 4. move into order, front to back: each move puts one name where it belongs
    for i, name in enumerate(order):
        pos = [c[0] for c in cur].index(name)
        if pos != i:
            ops.append(Op("move", name, index=i))
            cur.insert(i, cur.pop(pos))
    return ops


def apply(existing: Sequence[Existing], ops: Sequence[Op]) -> list[Existing]:
    """What a filter list becomes after ``ops`` (the reference semantics for both edges)."""
    cur = [(n, k, dict(s)) for n, k, s in existing]
    for op in ops:
        names_now = [c[0] for c in cur]
        if op.action == "remove":
            if cur[op.index][0] != op.name:
                raise ValueError(f"remove {op.name!r}: index {op.index} holds "
                                 f"{cur[op.index][0]!r}")
            del cur[op.index]
        elif op.action == "rename":
            if op.new_name in names_now:
                raise ValueError(f"rename {op.name!r}: {op.new_name!r} is taken")
            i = names_now.index(op.name)
            cur[i] = (op.new_name, cur[i][1], cur[i][2])
        elif op.action == "create":
            cur.append((op.name, op.kind, dict(op.settings)))
        elif op.action == "update":
            i = names_now.index(op.name)
            cur[i] = (cur[i][0], cur[i][1], {**cur[i][2], **op.settings})
        elif op.action == "move":
            cur.insert(op.index, cur.pop(names_now.index(op.name)))
        else:
            raise ValueError(f"unknown operation {op.action!r}")
    return cur


def describe(ops: Sequence[Op]) -> list[str]:
    """One human line per operation (for OBS's log and the controller's output)."""
    out = []
    for op in ops:
        if op.action == "create":
            out.append(f"add {op.name} ({op.kind})")
        elif op.action == "update":
            out.append(f"update {op.name}: " +
                       ", ".join(f"{k}={v}" for k, v in sorted(op.settings.items())))
        elif op.action == "move":
            out.append(f"move {op.name} to position {op.index + 1}")
        elif op.action == "rename":
            out.append(f"adopt {op.name} (OBS migrated it) as {op.new_name}")
        else:
            out.append(f"remove {op.name}")
    return out
