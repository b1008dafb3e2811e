"""Audio chains: which OBS filters, in which order, with which settings — and how to get there.

A chain (``profiles/audio/<name>.yaml``) is a list of steps, each one OBS audio filter. This
module validates chains, resolves them against what this OBS offers (the NVIDIA denoiser exists
only on Windows with an NVIDIA GPU, and moved filters in OBS 31), and PLANS the filter
operations that turn a source's current filter list into the chain. The plan is plain data, so
the rule "meetcast's filters updated in place and in order, never duplicated; the user's own
filters untouched and where they were" lives here, once, tested without OBS; the OBS script
and the controller only carry it out.

Ids and setting keys are OBS's own (plugins/obs-filters and plugins/nv-filters, obs-studio
28.0.0–32.2.2); what changed between versions is read from :mod:`meetcast_core.obs_versions`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import names
from .obs_versions import Version, fact
from .schema import Field, ListOf, Schema, SchemaError, load_yaml, validate

# -- OBS's filter ids and the settings meetcast may set on them -----------------------------
NOISE_SUPPRESS = "noise_suppress_filter_v2"
COMPRESSOR = "compressor_filter"
GAIN = "gain_filter"
UPWARD_COMPRESSOR = "upward_compressor_filter"
EXPANDER = "expander_filter"
LIMITER = "limiter_filter"
# OBS 31+'s own filter for NVIDIA's denoiser (fact "nvidia_denoiser"). Not a step kind of its
# own in a chain: a noise-suppression step's "denoiser" method resolves to it where OBS has it.
NVIDIA_AUDIOFX = "nvidia_audiofx_filter"

# Noise-suppression methods, best first. "denoiser" is NVIDIA's (only where OBS offers it);
# Speex is the last resort: measured here it removes ~5 dB where RNNoise removes ~40.
DENOISER = "denoiser"
METHODS: tuple[str, ...] = (DENOISER, "rnnoise", "speex")
# Methods every OBS 27+ build offers (RNNoise and Speex are compiled into obs-filters).
BUILTIN_METHODS: tuple[str, ...] = ("rnnoise", "speex")
# The suffix OBS 31 gives a Noise Suppression filter it migrates to nvidia_audiofx_filter
# (fact "denoiser_migration"). Such a filter keeps the suffix on 32 too, so meetcast adopts
# its own on every version.
PORTED_SUFFIX = "_ported"

CEILING_MAX_DBFS = -1.0  # the limiter's threshold: true peaks stay at or below this


def _num(lo: float, hi: float, doc: str = "") -> Field:
    return Field((int, float), required=False, min=lo, max=hi, doc=doc)


def _int(lo: int, hi: int, doc: str = "") -> Field:
    return Field(int, required=False, min=lo, max=hi, doc=doc)


# Ranges are OBS's own slider ranges, so a chain can never ask OBS for what its UI cannot show.
SETTINGS: dict[str, Schema] = {
    NOISE_SUPPRESS: Schema({
        "suppress_level": _int(-60, 0, "Speex only: attenuation in dB"),
        "intensity": _num(0.0, 1.0, "NVIDIA denoiser only"),
    }),
    COMPRESSOR: Schema({
        "ratio": _num(1, 32), "threshold": _num(-60, 0), "attack_time": _int(1, 500),
        "release_time": _int(1, 1000), "output_gain": _num(-32, 32),
    }),
    GAIN: Schema({"db": _num(-30, 30)}),
    UPWARD_COMPRESSOR: Schema({
        "ratio": _num(0, 1), "threshold": _num(-60, 0), "attack_time": _int(1, 100),
        "release_time": _int(1, 1000), "output_gain": _num(-32, 32), "knee_width": _int(0, 20),
        "detector": Field(str, required=False, choices=("RMS", "peak")),
    }),
    EXPANDER: Schema({
        "ratio": _num(1, 20), "threshold": _num(-60, 0), "attack_time": _int(1, 100),
        "release_time": _int(1, 1000), "output_gain": _num(-32, 32),
        "detector": Field(str, required=False, choices=("RMS", "peak")),
        "presets": Field(str, required=False, choices=("expander", "gate")),
    }),
    LIMITER: Schema({"threshold": _num(-60, 0), "release_time": _int(1, 1000)}),
}
KINDS: tuple[str, ...] = tuple(SETTINGS)
# Every kind a meetcast audio filter can have in OBS: the step kinds, plus the NVIDIA filter a
# noise-suppression step may resolve to.
OWNED_KINDS: tuple[str, ...] = (*KINDS, NVIDIA_AUDIOFX)

# The slow leveller's settings (meetcast_core.leveller.Settings), on a gain step only.
LEVELLER = Schema({
    "target_lufs": _num(-40, -6, "speech loudness to reach, LUFS integrated (BS.1770)"),
    "target_dbfs": _num(-40, -6, "the older way to give it: speech RMS as the meter reads it"),
    "lufs_offset_db": _num(-6, 6, "speech LUFS minus the meter's gated RMS (measured)"),
    "gate_dbfs": _num(-90, -30, "quieter than this before the gain: a pause"),
    "floor_gate_db": _num(0, 30, "less than this above the noise floor: a pause"),
    "floor_window_s": _num(0.5, 30, "time the noise floor is taken over"),
    "floor_quantile": _num(0.01, 0.5, "the floor: this low quantile of the level"),
    "acquire_above_floor_db": _num(3, 40, "the first speaker stands this far above the floor"),
    "relative_gate_db": _num(6, 40, "this far below the short average: not counted"),
    "average_s": _num(1, 60, "speech time of the long average"),
    "short_s": _num(0.1, 5, "speech time of the short average"),
    "acquire_s": _num(0.05, 5, "speech time before the first speaker's level is trusted"),
    "acquire_gap_s": _num(0.1, 5, "... with no longer pause within it"),
    "new_speaker_db": _num(3, 30, "short vs long average difference meaning a new level"),
    "new_speaker_s": _num(0.1, 10, "... when it lasts this long (speech time)"),
    "louder_db": _num(1, 30, "... or this much louder ..."),
    "louder_s": _num(0.1, 10, "... for this long"),
    "pull_limit_db": _num(1, 40, "one block pulls the average as if at most this far"),
    "min_gain_db": _num(-30, 40), "max_gain_db": _num(-30, 40),
    "start_gain_db": _num(-30, 20, "the highest gain before anyone has been heard"),
    "slew_db_per_s": _num(0.5, 200, "fastest gain rise near the target"),
    "fall_db_per_s": _num(0.5, 200, "fastest gain fall near the target"),
    "far_db": _num(1, 40, "further than this from the target gain: a new speaker ..."),
    "far_slew_db_per_s": _num(1, 400, "... and the gain moves this fast either way"),
    "min_fader_db": _num(-100, 0, "a fader below this counts as muted"),
    "squashed_share": _num(0.05, 1, "speech limited this often, recently ..."),
    "squashed_above_db": _num(0, 20, "... reading this far above the target: squashed"),
    "squash_s": _num(0.05, 5, "... for this much speech: the gain steps down"),
    "squash_step_db": _num(1, 30, "... by this much"),
})


def _step_name_ok(value: str) -> str | None:
    if not value.strip() or value != value.strip():
        return "must be a non-empty name without leading/trailing spaces"
    if value.startswith(names.FILTER_PREFIX):
        return f"is given without the {names.FILTER_PREFIX!r} prefix (meetcast adds it)"
    return None


STEP = Schema({
    "name": Field(str, check=_step_name_ok, doc="shown in OBS as 'meetcast: <name>'"),
    "kind": Field(str, choices=KINDS, doc="OBS's filter id"),
    "methods": Field(ListOf(Field(str, choices=METHODS), min_len=1), required=False,
                     doc="noise suppression only: methods to use, the first OBS offers"),
    "settings": Field(dict, required=False, default={}),
    "leveller": Field(LEVELLER, required=False,
                      doc=f"a gain step named {names.LEVELLER_STEP!r} only: the script drives its "
                          f"gain as a slow leveller with these settings"),
    "why": Field(str, required=False, doc="what the measurement showed"),
})

CHAIN = Schema({
    "name": Field(str),
    "description": Field(str, required=False),
    "for": Field(str, required=False, choices=("microphone", "desktop")),
    "steps": Field(ListOf(STEP, min_len=1)),
})


@dataclass(frozen=True)
class Step:
    name: str  # without the prefix
    kind: str
    settings: dict[str, Any]
    methods: tuple[str, ...] = ()
    leveller: dict[str, Any] | None = None  # the script drives this step's gain

    @property
    def filter_name(self) -> str:
        return names.filter_name(self.name)


@dataclass(frozen=True)
class Chain:
    name: str
    steps: tuple[Step, ...]
    description: str = ""
    target: str = "microphone"


def parse(data: Any, file: str | Path) -> Chain:
    """A validated chain from parsed YAML; every problem is a one-line ``SchemaError``."""
    doc = validate(data, CHAIN, file)
    steps: list[Step] = []
    seen: set[str] = set()
    for i, raw in enumerate(doc["steps"]):
        where = f"{file}: steps.[{i}]"
        kind = raw["kind"]
        settings = validate(raw.get("settings") or {}, SETTINGS[kind], f"{where}.settings")
        if raw["name"] in seen:
            raise SchemaError(f"{where}.name: {raw['name']!r} is used twice in this chain")
        seen.add(raw["name"])
        methods = tuple(raw.get("methods") or ())
        if kind == NOISE_SUPPRESS and not methods:
            methods = METHODS
        if methods and kind != NOISE_SUPPRESS:
            raise SchemaError(f"{where}.methods: only for {NOISE_SUPPRESS}")
        lev = raw.get("leveller")
        if lev is not None:
            _check_leveller(raw["name"], kind, settings, lev, where)
        steps.append(Step(raw["name"], kind, settings, methods, lev))
    last = steps[-1]
    if last.kind != LIMITER:
        raise SchemaError(f"{file}: steps: the last step must be a {LIMITER} "
                          f"(the ceiling that keeps peaks at or below {CEILING_MAX_DBFS} dBFS)")
    if last.settings.get("threshold", 0.0) > CEILING_MAX_DBFS:
        raise SchemaError(f"{file}: steps.[{len(steps) - 1}].settings.threshold: the limiter's "
                          f"ceiling must be set at or below {CEILING_MAX_DBFS} dBFS")
    return Chain(name=doc["name"], steps=tuple(steps), description=doc.get("description", ""),
                 target=doc.get("for", "microphone"))


def _check_leveller(name: str, kind: str, settings: dict[str, Any], lev: dict[str, Any],
                    where: str) -> None:
    """A driven step is the gain filter the script looks for, and only the script sets it."""
    if kind != GAIN or name != names.LEVELLER_STEP:
        raise SchemaError(f"{where}.leveller: only on a {GAIN} step named "
                          f"{names.LEVELLER_STEP!r} (the script drives the filter by that name)")
    if "db" in settings:
        raise SchemaError(f"{where}.settings.db: the leveller sets the gain; leave it out")
    lo, hi = lev.get("min_gain_db", -10.0), lev.get("max_gain_db", 30.0)
    if lo > hi:
        raise SchemaError(f"{where}.leveller: min_gain_db {lo} is above max_gain_db {hi}")


def load(path: Path) -> Chain:
    """Read, validate and check one chain file (its ``name`` must match the file name)."""
    # load_yaml reads and reports YAML errors in one line; ``parse`` does the validation.
    chain = parse(load_yaml(path, Schema({}, extra=Field(object))), path)
    if chain.name != path.stem:
        raise SchemaError(f"{path}: name: {chain.name!r} must match the file name "
                          f"({path.stem!r})")
    return chain


def chains_dir(root: Path | None = None) -> Path:
    """Where the shipped chains live: ``profiles/audio`` in the tree or in the wheel."""
    if root is not None:
        return root / "profiles" / "audio"
    here = Path(__file__).resolve().parent
    for cand in (here / "profiles" / "audio", here.parents[1] / "profiles" / "audio"):
        if cand.is_dir():
            return cand
    return here.parents[1] / "profiles" / "audio"


def available(directory: Path | None = None) -> list[str]:
    """Names of the chains shipped (``voice``, ``zoom``, …), sorted."""
    d = directory or chains_dir()
    return sorted(p.stem for p in d.glob("*.yaml"))


def load_named(name: str, directory: Path | None = None) -> Chain:
    d = directory or chains_dir()
    path = d / f"{name}.yaml"
    if not path.is_file():
        raise SchemaError(f"{path}: no such audio chain (available: "
                          f"{', '.join(available(d)) or 'none'})")
    return load(path)


# -- resolving a chain against this OBS ------------------------------------------------------
@dataclass(frozen=True)
class FilterSpec:
    """One filter as it should be on the source: full name, OBS id, settings to set."""

    name: str
    kind: str
    settings: dict[str, Any]


@dataclass(frozen=True)
class Offer:
    """What this OBS has for noise suppression, as the script probes it.

    ``methods``: the methods ``noise_suppress_filter_v2`` lists ENABLED (OBS 28–30 list the
    NVIDIA denoiser, disabled, whenever its SDK is found, even if it did not load; 31 lists it
    disabled always). ``nvidia_filter``: ``nvidia_audiofx_filter`` is registered (OBS 31+
    registers it only when NVIDIA's SDK loaded on a supported GPU). The controller cannot see
    either over obs-websocket and uses the default: the built-in methods.
    """

    version: Version = (29, 0)
    methods: tuple[str, ...] = BUILTIN_METHODS
    nvidia_filter: bool = False

    def denoiser_kind(self) -> str | None:
        """The filter id that runs NVIDIA's denoiser in this OBS, or None when it has none."""
        kind, method = fact("nvidia_denoiser", self.version)
        if kind == NVIDIA_AUDIOFX:
            return kind if self.nvidia_filter else None
        return kind if method in self.methods else None


def pick_method(preferred: Sequence[str], offered: Iterable[str]) -> str:
    """The first preferred method OBS offers; Speex when none is (it is always built in)."""
    offered = set(offered)
    for m in preferred:
        if m in offered:
            return m
    return "speex"


def _as_offer(offered: Offer | Iterable[str]) -> Offer:
    """A bare list of methods is an OBS 28–30 (the denoiser, if listed, is a method)."""
    return offered if isinstance(offered, Offer) else Offer(methods=tuple(offered))


def resolve(chain: Chain, offered: Offer | Iterable[str] = BUILTIN_METHODS) -> list[FilterSpec]:
    """The chain as concrete filters for this OBS (an :class:`Offer`, or the methods an OBS
    28–30 offers).

    A noise-suppression step gets its first preferred method this OBS has. "denoiser" is
    NVIDIA's in whichever filter this OBS version runs it (fact ``nvidia_denoiser``):
    ``noise_suppress_filter_v2`` up to 30, ``nvidia_audiofx_filter`` from 31.
    """
    offer = _as_offer(offered)
    denoiser = offer.denoiser_kind()
    available = [m for m in offer.methods if m != DENOISER]
    if denoiser is not None:
        available.append(DENOISER)
    out: list[FilterSpec] = []
    for step in chain.steps:
        settings = dict(step.settings)
        kind = step.kind
        if step.kind == NOISE_SUPPRESS:
            method = pick_method(step.methods, available)
            if method == DENOISER and denoiser is not None:
                kind = denoiser
            settings = {"method": method, **_method_settings(method, settings, offer.version)}
        if step.leveller is not None:  # carried on the filter, where the script reads it
            ceiling = chain.steps[-1].settings.get("threshold", 0.0)  # the chain's limiter
            settings[names.LEVELLER_SETTINGS_KEY] = {**step.leveller, "ceiling_dbfs": ceiling}
        out.append(FilterSpec(step.filter_name, kind, settings))
    return out


def _method_settings(method: str, settings: dict[str, Any], version: Version) -> dict[str, Any]:
    """Only the keys the chosen method reads (so a Speex level never lingers on RNNoise)."""
    if method == DENOISER:
        keep: tuple[str, ...] = fact("nvidia_denoiser_keys", version)
    else:
        keep = {"speex": ("suppress_level",)}.get(method, ())
    return {k: v for k, v in settings.items() if k in keep}


# -- planning --------------------------------------------------------------------------------
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
