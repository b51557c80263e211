"""A cheap check of an event's data against a contract model, for consumers that replay at tens of thousands of
events a second (pydantic costs microseconds an event; a replay is mostly events that are exactly right).

`shape_check(model)` reads the model's fields once. For a contract whose fields are all plain (str, int, bool,
float, a Literal of those, or one of these or None, with ge/gt/le/lt bounds and plain defaults, and no
validators), it returns a function that takes decoded JSON data and gives the field values as a dict — exactly
what `model.model_validate(data)` would hold — when every value already has its exact type and passes its bounds,
or None otherwise. None means "ask pydantic": it coerces what it may (lax mode) and raises for a bad event, so the
consumer still sends a bad event to the dead-letter topic with pydantic's error. For a contract with anything
else, `shape_check` returns None: use pydantic for every event.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from typing import Any

import annotated_types
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

ShapeCheck = Callable[[object], dict[str, Any] | None]

_PLAIN = (str, int, bool, float)
_MISSING = object()
# Model settings that change nothing a value becomes (any other, such as str_strip_whitespace: pydantic only).
_NEUTRAL_CONFIG = frozenset({"frozen", "extra", "title", "json_schema_extra", "protected_namespaces", "defer_build"})


def _field_test(annotation: Any, metadata: list[Any], consts: dict[str, Any]) -> str | None:
    """A Python condition on `v`: true when the value is exactly what pydantic would keep; None if the type is not
    plain. Constants it needs go into `consts`."""
    optional = False
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != len(typing.get_args(annotation)) - 1 or len(args) != 1:
            return None
        optional, annotation = True, args[0]
        origin = typing.get_origin(annotation)
    bounds: list[str] = []
    for m in metadata:
        for kind, attr, op in _BOUNDS:
            if isinstance(m, kind):
                name = f"c{len(consts)}"
                consts[name] = getattr(m, attr)
                bounds.append(f"v {op} {name}")
                break
        else:
            return None
    if origin is typing.Literal:
        choices = typing.get_args(annotation)
        if bounds or not all(type(c) in (str, int) for c in choices):
            return None
        name = f"c{len(consts)}"
        consts[name] = frozenset((type(c), c) for c in choices)
        test = f"(type(v), v) in {name}"
    elif annotation in _PLAIN:
        # exact types: a bool is no int here, an int no float (pydantic would convert them)
        test = " and ".join([f"type(v) is {annotation.__name__}", *bounds])
    else:
        return None
    return f"(v is None or {test})" if optional else f"({test})"


_BOUNDS = ((annotated_types.Ge, "ge", ">="), (annotated_types.Gt, "gt", ">"), (annotated_types.Le, "le", "<="),
           (annotated_types.Lt, "lt", "<"))


def shape_check(model: type[BaseModel]) -> ShapeCheck | None:
    """The cheap check for `model`, or None when its contract needs pydantic for every event. The check is one
    generated function (a loop over the fields with a test each costs more than pydantic saves)."""
    decorators = model.__pydantic_decorators__
    if (decorators.validators or decorators.field_validators or decorators.root_validators
            or decorators.model_validators or decorators.computed_fields):
        return None
    config = model.model_config
    if config.get("extra", "ignore") != "ignore" or set(config) - _NEUTRAL_CONFIG:
        return None
    consts: dict[str, Any] = {"_M": _MISSING}
    lines = ["def check(data):", "    if type(data) is not dict:", "        return None"]
    names = []
    for i, (name, info) in enumerate(model.model_fields.items()):
        if (info.alias not in (None, name) or info.validation_alias is not None or info.default_factory is not None
                or info.discriminator is not None or not name.isidentifier()):
            return None
        test = _field_test(info.annotation, list(info.metadata), consts)
        if test is None:
            return None
        lines.append(f"    v = data.get({name!r}, _M)")
        if info.default is PydanticUndefined:
            lines += ["    if v is _M or not " + test + ":", "        return None"]
        else:
            if type(info.default) not in (*_PLAIN, type(None)):
                return None
            consts[f"d{i}"] = info.default
            lines += ["    if v is _M:", f"        v = d{i}", "    elif not " + test + ":", "        return None"]
        lines.append(f"    f{i} = v")
        names.append(f"{name!r}: f{i}")
    lines.append("    return {" + ", ".join(names) + "}")
    namespace: dict[str, Any] = dict(consts)
    exec(compile("\n".join(lines), f"<shape check of {model.__name__}>", "exec"), namespace)  # noqa: S102
    check: ShapeCheck = namespace["check"]
    return check
