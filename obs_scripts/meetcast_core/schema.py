"""A small declarative schema for meetcast's YAML files (encoder profiles, audio chains).

Why not a library: OBS's Python has only the stdlib and PyYAML, and the core must load there.
Every rejection names the file, the key path and what is allowed, in one line. The
controller's TOML config file is checked with the same tool (:func:`validate_all` reports
every fault, not just the first: a user fixing typos should not have to run it once each).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class SchemaError(ValueError):
    """``file: key.path: what is wrong (allowed: …)``."""


@dataclass(frozen=True)
class Field:
    """One key: its type, whether required, allowed choices or numeric range, default.

    ``type`` may be a Python type, a tuple of types, a nested ``Schema`` (a mapping), or
    ``ListOf(...)``.
    """

    type: Any
    required: bool = True
    choices: Sequence[Any] | None = None
    min: float | None = None
    max: float | None = None
    default: Any = None
    check: Callable[[Any], str | None] | None = None  # returns an error text or None
    doc: str = ""


@dataclass(frozen=True)
class ListOf:
    item: Any
    min_len: int = 0


@dataclass(frozen=True)
class Schema:
    fields: Mapping[str, Field]
    # Extra keys allowed with any name whose value matches this (e.g. per-encoder settings).
    extra: Any = None
    doc: str = ""

    def keys_text(self) -> str:
        return ", ".join(self.fields)


@dataclass
class _Ctx:
    file: str
    path: list[str] = field(default_factory=list)
    faults: list[SchemaError] | None = None  # collect every fault here instead of raising
    toml: bool = False  # name keys as a TOML file has them: "[health] low_kbps"

    def where(self) -> str:
        if self.toml and self.path:
            return " ".join([f"[{self.path[0]}]", ".".join(self.path[1:])]).strip()
        return ".".join(self.path) or "(top level)"

    def fail(self, msg: str) -> SchemaError:
        return SchemaError(f"{self.file}: {self.where()}: {msg}" if self.file
                           else f"{self.where()}: {msg}")


def _type_name(t: Any) -> str:
    if isinstance(t, tuple):
        return " or ".join(_type_name(x) for x in t)
    if isinstance(t, Schema):
        return "a mapping"
    if isinstance(t, ListOf):
        return f"a list of {_type_name(t.item)}"
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false",
            dict: "a mapping", list: "a list"}.get(t, getattr(t, "__name__", str(t)))


def _range_text(spec: Field) -> str:
    if spec.min is None:
        return f"at most {spec.max:g}"
    if spec.max is None:
        return f"at least {spec.min:g}"
    return f"{spec.min:g}..{spec.max:g}"


def _unknown_key(key: str, schema: Schema, ctx: _Ctx) -> str:
    """The message for a key the schema lacks; a near miss (``hots``) names the key meant."""
    near = difflib.get_close_matches(key, list(schema.fields), n=1, cutoff=0.6)
    hint = f"; did you mean {near[0]}?" if near else ""
    what = "section" if ctx.toml and len(ctx.path) == 1 else "key"
    return f"unknown {what} (allowed: {schema.keys_text()}){hint}"


def _check(value: Any, spec: Any, ctx: _Ctx) -> Any:
    if isinstance(spec, Field):
        value = _check(value, spec.type, ctx)
        if spec.choices is not None and value not in spec.choices:
            allowed = ", ".join(str(c) for c in spec.choices)
            raise ctx.fail(f"{value!r} is not allowed (allowed: {allowed})")
        too_low = spec.min is not None and value < spec.min
        if too_low or (spec.max is not None and value > spec.max):
            raise ctx.fail(f"{value!r} is out of range (allowed: {_range_text(spec)})")
        if spec.check is not None and (msg := spec.check(value)):
            raise ctx.fail(msg)
        return value
    if isinstance(spec, Schema):
        return validate_mapping(value, spec, ctx)
    if isinstance(spec, ListOf):
        if not isinstance(value, list):
            raise ctx.fail(f"expected {_type_name(spec)}, got {type(value).__name__}")
        if len(value) < spec.min_len:
            raise ctx.fail(f"needs at least {spec.min_len} item(s)")
        out = []
        for i, item in enumerate(value):
            ctx.path.append(f"[{i}]")
            out.append(_check(item, spec.item, ctx))
            ctx.path.pop()
        return out
    types = spec if isinstance(spec, tuple) else (spec,)
    # YAML's true/false are bools, which Python also counts as ints: keep them apart.
    if isinstance(value, bool) and bool not in types:
        raise ctx.fail(f"expected {_type_name(spec)}, got {value!r}")
    if float in types and isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, types):
        raise ctx.fail(f"expected {_type_name(spec)}, got {type(value).__name__} {value!r}")
    return value


def validate_mapping(data: Any, schema: Schema, ctx: _Ctx) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ctx.fail(f"expected a mapping with keys {schema.keys_text()}")
    out: dict[str, Any] = {}
    for key, value in data.items():
        depth = len(ctx.path)
        ctx.path.append(str(key))
        try:
            if key in schema.fields:
                out[key] = _check(value, schema.fields[key], ctx)
            elif schema.extra is not None:
                out[key] = _check(value, schema.extra, ctx)
            else:
                raise ctx.fail(_unknown_key(str(key), schema, ctx))
        except SchemaError as exc:
            if ctx.faults is None:
                raise
            ctx.faults.append(exc)  # one fault per key; go on with the next key
        del ctx.path[depth:]
    for key, spec in schema.fields.items():
        if key not in out and key not in data:
            if spec.required:
                ctx.path.append(key)
                fault = ctx.fail("missing (required)")
                ctx.path.pop()
                if ctx.faults is None:
                    raise fault
                ctx.faults.append(fault)
            elif spec.default is not None:
                out[key] = spec.default
    return out


def validate(data: Any, schema: Schema, file: str | Path) -> dict[str, Any]:
    """Validate parsed YAML against ``schema``; returns it with defaults filled in."""
    return validate_mapping(data, schema, _Ctx(str(file)))


def validate_all(data: Any, schema: Schema, file: str | Path, toml: bool = False
                 ) -> tuple[dict[str, Any], list[SchemaError]]:
    """Like :func:`validate`, but every fault is collected (one per key) instead of stopping
    at the first; returns the valid part with defaults filled in, and the faults in order.
    ``toml`` names keys as a TOML file spells them (``[health] low_kbps``; top-level keys are
    sections)."""
    ctx = _Ctx(str(file), faults=[], toml=toml)
    try:
        out = validate_mapping(data, schema, ctx)
    except SchemaError as exc:  # the top level itself is not a mapping
        return {}, [exc]
    return out, list(ctx.faults or [])


def load_yaml(path: Path, schema: Schema) -> dict[str, Any]:
    """Read and validate one YAML file; every failure is a one-line ``SchemaError``."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SchemaError(f"{path}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" line {mark.line + 1}" if mark is not None else ""
        raise SchemaError(f"{path}:{at}: not valid YAML") from None
    return validate(data, schema, path)
