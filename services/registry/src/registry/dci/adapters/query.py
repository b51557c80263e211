"""DCI queries (`idtype-value`, `expression`, `predicate`) translated to SQL over the `households` read model.

Nothing is decrypted to search: identifiers are looked up through the blind indexes, and every other
attribute is a column (or a JSONB member) of the non-personal read model. Attribute names are a fixed list;
values travel as bind parameters. `poverty_score` is the national desil (1 = poorest tenth).

- idtype-value: `{"type": "UIN" | "NIK" | "KK" | "HOUSEHOLD_REF", "value": "..."}`, or with
  `dci:search:identity` `{"type": "NAME", "value": {"village_code": "...", "name": "..."}}` (full name)
- expression (the spec's example form): `{"type": "...", "value": {"expression": {"collection": "Group",
  "query": {"$and": [{"poverty_score": {"$le": 4}}, {"region_code": {"$eq": "32.73"}}]}}}}`; operators
  `$eq $ne $lt $lte/$le $gt $gte/$ge $in`, combinators `$and $or $not`, `{"attr": value}` means equality.
- predicate: `[{"seq_num": 1, "expression1": {"attribute_name", "operator", "attribute_value"},
  "condition": "and|or|not", "expression2": {...}}, ...]` — in an item, `condition` joins its two
  expressions (`not` = and not); an item without `expression2` uses its `condition` to join the next item;
  items are otherwise joined by `and`, evaluated in `seq_num` order from left to right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol
from uuid import UUID

from gotong.observability.logging import scrub_text
from registry.adapters.crypto import KeyRing

SOCIOECONOMIC = "dci:search:socioeconomic"
IDENTITY = "dci:search:identity"
MAX_TERMS = 50
REGION_LEVELS = ("province_code", "regency_code", "district_code", "village_code")
_ALIVE = "(m->>'alive')::boolean AND m->>'left_on' IS NULL"
GROUP_SIZE = f"(SELECT count(*) FROM jsonb_array_elements(members) m WHERE {_ALIVE})"


@dataclass(frozen=True)
class Attr:
    sql: str
    kind: str  # int | float | text | date | region | bool
    scope: str | None = None


def _socio(name: str, kind: str) -> Attr:
    cast = {"int": "::int", "float": "::float8"}.get(kind, "")
    return Attr(f"(attributes->>'{name}'){cast}", kind, SOCIOECONOMIC)


def _any_member(cond: str) -> Attr:
    return Attr(f"EXISTS (SELECT 1 FROM jsonb_array_elements(members) m WHERE {_ALIVE} AND {cond})", "bool")


ATTRIBUTES: dict[str, Attr] = {
    "poverty_score": Attr("desil", "int"), "desil": Attr("desil", "int"),
    "poverty_score_province": Attr("desil_province", "int"), "desil_province": Attr("desil_province", "int"),
    "region_code": Attr("", "region"), "location": Attr("", "region"), "area_code": Attr("", "region"),
    "province_code": Attr("province_code", "text"), "regency_code": Attr("regency_code", "text"),
    "district_code": Attr("district_code", "text"), "village_code": Attr("village_code", "text"),
    "group_size": Attr(GROUP_SIZE, "int"), "verification": Attr("verification", "text"),
    "registration_date": Attr("registered_at::date", "date"), "last_updated": Attr("updated_at::date", "date"),
    "has_pregnant_member": _any_member("(m->>'pregnant')::boolean"),
    "has_disabled_member": _any_member("m->>'disability' <> 'none'"),
    "income_band": _socio("income_band", "int"), "expenditure_band": _socio("expenditure_band", "int"),
    "floor_area_m2": _socio("floor_area_m2", "float"), "livestock": _socio("livestock", "int"),
    **{a: _socio(a, "text") for a in ("floor", "wall", "roof", "water", "lighting", "cooking_fuel", "sanitation")},
}
SORTABLE = {"poverty_score": "desil", "desil": "desil", "poverty_score_province": "desil_province",
            "group_size": GROUP_SIZE, "registration_date": "registered_at", "last_updated": "updated_at",
            "village_code": "village_code"}
_OPS = {"eq": "=", "ne": "<>", "lt": "<", "le": "<=", "lte": "<=", "gt": ">", "ge": ">=", "gte": ">=", "in": "in"}
_NIK = re.compile(r"^\d{16}$")
ID_TYPES = {"UIN": "nik", "NIK": "nik", "NID": "nik", "NATIONALID": "nik", "KK": "kk", "FAMILY_CARD": "kk",
            "HOUSEHOLD_REF": "ref", "GROUP_ID": "ref", "NAME": "name"}


class QueryRejected(Exception):
    """`reason` is the spec's search status reason code; `field` names where in the criteria."""

    def __init__(self, reason: str, message: str, field: str) -> None:
        # attribute names come from the client: scrubbed, in case one holds a NIK
        super().__init__(scrub_text(message))
        self.reason = reason
        self.message = scrub_text(message)[:999]
        self.field = scrub_text(field)


class Identifiers(Protocol):
    """The registry's blind indexes (see `application.search.RegistryIdentifiers`)."""

    async def find_by_nik(self, keyring: KeyRing, nik: str) -> list[tuple[UUID, str]]: ...

    async def find_by_kk(self, keyring: KeyRing, kk: str) -> list[UUID]: ...

    async def find_by_name(self, keyring: KeyRing, village_code: str, name: str) -> list[tuple[UUID, str]]: ...


@dataclass
class Sql:
    """A WHERE clause with its bind parameters ($1, $2, ...)."""

    args: list[Any] = field(default_factory=list)
    terms: int = 0

    def bind(self, value: Any) -> str:
        self.args.append(value)
        return f"${len(self.args)}"


def _coerce(attr: Attr, value: Any, where: str) -> Any:
    kind = "text" if attr.kind == "region" else attr.kind
    ok = True
    if kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool) or isinstance(value, str) and value.isdigit()
        value = int(value) if ok else value
    elif kind == "float":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif kind == "bool":
        ok = isinstance(value, bool)
    elif kind == "date":
        try:
            value = date.fromisoformat(str(value)[:10])
        except ValueError:
            ok = False
    else:
        ok = isinstance(value, str) and 0 < len(value) <= 100
    if not ok:
        raise QueryRejected("rjct.search_criteria.invalid", f"{where}: expected a {kind} value", where)
    return value


def predicate(sql: Sql, name: Any, op: Any, value: Any, scopes: frozenset[str], where: str) -> str:
    sql.terms += 1
    if sql.terms > MAX_TERMS:
        raise QueryRejected("rjct.search_criteria.invalid", f"at most {MAX_TERMS} conditions", where)
    attr = ATTRIBUTES.get(str(name))
    if attr is None:
        raise QueryRejected("rjct.search_criteria.invalid",
                            f"{where}: unknown attribute; use one of {', '.join(sorted(ATTRIBUTES))}", where)
    if attr.scope and attr.scope not in scopes:
        raise QueryRejected("rjct.search_criteria.invalid", f"{where}: attribute {name} needs scope {attr.scope}",
                            where)
    sym = _OPS.get(str(op).lstrip("$"))
    if sym is None:
        raise QueryRejected("rjct.search_criteria.invalid", f"{where}: operator must be one of gt lt eq ge le in",
                            where)
    if sym == "in":
        if not isinstance(value, list) or not 0 < len(value) <= 500:
            raise QueryRejected("rjct.search_criteria.invalid", f"{where}: `in` needs a list of 1..500 values",
                                where)
        values = [_coerce(attr, v, where) for v in value]
        if attr.kind == "region":
            p = sql.bind(values)
            levels = " OR ".join(f"{c} = ANY({p})" for c in REGION_LEVELS)
            return f"({levels})"
        return f"{attr.sql} = ANY({sql.bind(values)})"
    if attr.kind in ("region", "text", "bool") and sym not in ("=", "<>"):
        raise QueryRejected("rjct.search_criteria.invalid", f"{where}: {name} compares only with eq", where)
    p = sql.bind(_coerce(attr, value, where))
    if attr.kind == "region":
        any_level = " OR ".join(f"{c} = {p}" for c in REGION_LEVELS)
        return f"({any_level})" if sym == "=" else f"NOT ({any_level})"
    return f"{attr.sql} {sym} {p}"


def _mongo(sql: Sql, node: Any, scopes: frozenset[str], where: str) -> str:
    if not isinstance(node, dict) or not node:
        raise QueryRejected("rjct.search_criteria.invalid", f"{where}: expected a non-empty object", where)
    parts: list[str] = []
    for key, value in node.items():
        here = f"{where}.{key}"
        if key in ("$and", "$or"):
            if not isinstance(value, list) or not value:
                raise QueryRejected("rjct.search_criteria.invalid", f"{here}: expected a non-empty list", here)
            joined = f" {key[1:].upper()} ".join(_mongo(sql, v, scopes, f"{here}.{i}") for i, v in enumerate(value))
            parts.append(f"({joined})")
        elif key == "$not":
            parts.append(f"NOT ({_mongo(sql, value, scopes, here)})")
        elif isinstance(value, dict) and value and all(str(k).startswith("$") for k in value):
            parts.extend(predicate(sql, key, op, v, scopes, f"{here}.{op}") for op, v in value.items())
        else:
            parts.append(predicate(sql, key, "eq", value, scopes, here))
    return " AND ".join(parts)


def expression(sql: Sql, query: Any, scopes: frozenset[str], where: str = "query") -> str:
    node = query
    for key in ("value", "expression"):
        if isinstance(node, dict) and key in node:
            node, where = node[key], f"{where}.{key}"
    if isinstance(node, dict) and "query" in node:
        collection = node.get("collection", "Group")
        if collection not in ("Group", "Household", "household"):
            raise QueryRejected("rjct.search_criteria.invalid", f"{where}.collection: only Group is searchable",
                                f"{where}.collection")
        node, where = node["query"], f"{where}.query"
    if isinstance(node, str):
        raise QueryRejected("rjct.search_criteria.invalid",
                            f"{where}: textual expressions are not supported; send a structured one", where)
    return _mongo(sql, node, scopes, where)


def predicates(sql: Sql, items: Any, scopes: frozenset[str], where: str = "query") -> str:
    if not isinstance(items, list) or not items:
        raise QueryRejected("rjct.search_criteria.invalid", f"{where}: expected a non-empty list", where)
    indexed = sorted(enumerate(items), key=lambda iv: (iv[1].get("seq_num", iv[0]) if isinstance(iv[1], dict)
                                                       else iv[0], iv[0]))
    out = ""
    joiner = "and"
    for i, item in indexed:
        here = f"{where}.{i}"
        if not isinstance(item, dict) or not isinstance(item.get("expression1"), dict):
            raise QueryRejected("rjct.search_criteria.invalid", f"{here}.expression1: required", f"{here}.expression1")
        term = _expr(sql, item["expression1"], scopes, f"{here}.expression1")
        condition = item.get("condition")
        if condition is not None and condition not in ("and", "or", "not"):
            raise QueryRejected("rjct.search_criteria.invalid", f"{here}.condition: and, or or not",
                                f"{here}.condition")
        if isinstance(item.get("expression2"), dict):
            other = _expr(sql, item["expression2"], scopes, f"{here}.expression2")
            term = {"or": f"({term} OR {other})", "not": f"({term} AND NOT {other})"}.get(
                condition or "and", f"({term} AND {other})")
            next_joiner = "and"
        else:
            next_joiner = condition or "and"
        out = term if not out else {"or": f"({out} OR {term})", "not": f"({out} AND NOT {term})"}.get(
            joiner, f"({out} AND {term})")
        joiner = next_joiner
    return out


def _expr(sql: Sql, e: dict[str, Any], scopes: frozenset[str], where: str) -> str:
    missing = [k for k in ("attribute_name", "operator", "attribute_value") if k not in e]
    if missing:
        raise QueryRejected("rjct.search_criteria.invalid", f"{where}.{missing[0]}: required", f"{where}.{missing[0]}")
    return predicate(sql, e["attribute_name"], e["operator"], e["attribute_value"], scopes,
                     f"{where}.{e['attribute_name']}")


async def identifiers(lookup: Identifiers, keyring: KeyRing, query: Any, scopes: frozenset[str]) -> list[UUID]:
    """Households holding an identifier, through the blind indexes (the value is never logged or echoed)."""
    if not isinstance(query, dict) or "type" not in query or "value" not in query:
        raise QueryRejected("rjct.search_criteria.invalid", "query: idtype-value needs type and value", "query")
    kind = ID_TYPES.get(str(query["type"]).split(":")[-1].upper())
    value = query["value"]
    if kind is None:
        raise QueryRejected("rjct.search_criteria.invalid",
                            f"query.type: use one of {', '.join(sorted(ID_TYPES))}", "query.type")
    if kind == "name":
        return await _by_name(lookup, keyring, value, scopes)
    if not isinstance(value, str) or (kind != "ref" and not _NIK.match(value)):
        raise QueryRejected("rjct.search_criteria.invalid", "query.value: expected 16 digits"
                            if kind != "ref" else "query.value: expected a household reference", "query.value")
    if kind == "nik":
        return sorted({h for h, _ in await lookup.find_by_nik(keyring, value)})
    if kind == "kk":
        return sorted(await lookup.find_by_kk(keyring, value))
    try:
        return [UUID(value)]
    except ValueError as err:
        raise QueryRejected("rjct.search_criteria.invalid", "query.value: not a household reference",
                            "query.value") from err


async def _by_name(lookup: Identifiers, keyring: KeyRing, value: Any, scopes: frozenset[str]) -> list[UUID]:
    """A full name in a village (`{"village_code", "name"}`), through the name blind index: identity scope only,
    since a match confirms who lives where."""
    if IDENTITY not in scopes:
        raise QueryRejected("rjct.search_criteria.invalid", f"query.type: NAME needs scope {IDENTITY}", "query.type")
    if not (isinstance(value, dict) and isinstance(value.get("village_code"), str)
            and isinstance(value.get("name"), str) and 2 <= len(value["name"]) <= 120):
        raise QueryRejected("rjct.search_criteria.invalid",
                            "query.value: expected {village_code, name} for type NAME", "query.value")
    return sorted({h for h, _ in await lookup.find_by_name(keyring, value["village_code"], value["name"])})


async def where_clause(lookup: Identifiers, keyring: KeyRing, query_type: str, query: Any,
                       scopes: frozenset[str], sql: Sql | None = None) -> tuple[str, Sql]:
    """The WHERE clause (active households only) for a DCI query."""
    sql = sql or Sql()
    if query_type == "idtype-value":
        ids = await identifiers(lookup, keyring, query, scopes)
        clause = f"household_id = ANY({sql.bind(ids)})"
    elif query_type == "expression":
        clause = expression(sql, query, scopes)
    elif query_type == "predicate":
        clause = predicates(sql, query, scopes)
    else:
        raise QueryRejected("rjct.search_criteria.invalid", "query_type: idtype-value, expression or predicate",
                            "query_type")
    return f"status = 'active' AND ({clause})", sql


def order_by(sort: list[Any]) -> str:
    keys: list[str] = []
    for i, s in enumerate(sort[:5]):
        column = SORTABLE.get(s.attribute_name)
        if column is None:
            raise QueryRejected("rjct.sort.invalid", f"sort.{i}.attribute_name: use one of "
                                f"{', '.join(sorted(SORTABLE))}", f"sort.{i}.attribute_name")
        keys.append(f"{column} {'DESC' if s.sort_order == 'desc' else 'ASC'} NULLS LAST")
    return ", ".join([*keys, "household_id"])
