"""A small interpreter for IATI Rulesets (JSON, github.com/IATI/IATI-Rulesets, SPEC_JS.rst): enough of it to
check the IATI export against the Standard Ruleset's rules on sectors, transactions and their organisations
(tests/fixtures/iati-rulesets). Each case's XPath is evaluated by lxml (XPath 1.0) over every element its context
selects.

Where it departs from the reference validator (IATI/js-validator-api), it is stricter:
- `date_order` compares every date its paths match, not only the first; a date that does not parse is reported.
- `if`, `then` and `condition` are read as XPath `boolean(...)`, so an empty node-set is false; the reference
  validator takes any node-set as true. Every `if` and `condition` in the vendored subset is a boolean
  expression already, so this can only make a `then` fail where the reference would pass it.
- `idCondition` (NOT_EXISTING_ORG_ID...) needs the IATI Registry's list of publishers, which a test does not
  have: the case is applied to every identifier, as if none were a registered publisher's.
A rule kind, a case key or a variant this module does not implement raises `UnsupportedRule`: a rule it cannot
evaluate never passes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from lxml import etree

Case = Mapping[str, Any]

_COMMON = {"ruleInfo", "condition", "idCondition"}
_KEYS: dict[str, set[str]] = {
    "atleast_one": {"paths"},
    "one_or_all": {"one", "all"},
    "date_order": {"less", "more"},
    "strict_sum": {"paths", "sum"},
    "range": {"paths", "min", "max"},
    "if_then": {"if", "then", "paths"},
    "regex_matches": {"paths", "regex"},
    "no_spaces": {"paths"},
}
_ID_CONDITIONS = {"NOT_EXISTING_ORG_ID", "NOT_EXISTING_ORG_ID_PREFIX"}


class UnsupportedRule(Exception):
    """The ruleset asks for something this interpreter does not evaluate."""


@dataclass(frozen=True)
class Violation:
    rule_id: str  # ruleInfo.id, e.g. "2.1.2"
    rule: str  # the rule kind, e.g. "strict_sum"
    activity: str  # the iati-identifier of the activity the failing element belongs to
    detail: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule_id} {self.rule} in {self.activity or '?'}: {self.detail} ({self.message})"


def load(path: Path) -> dict[str, Any]:
    ruleset: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return ruleset


def check(ruleset: Mapping[str, Any], document: etree._Element, now: datetime) -> list[Violation]:
    """Every case of every rule, for every element its context selects: the violations, in ruleset order. The
    whole ruleset is vetted first, so a rule this module cannot evaluate fails even where nothing would reach it."""
    for rules in ruleset.values():
        for kind, rule in rules.items():
            for case in rule["cases"]:
                _vet(kind, case)
    found: list[Violation] = []
    for context, rules in ruleset.items():
        elements: list[etree._Element] = document.xpath(context)
        for element in elements:
            for kind, rule in rules.items():
                for case in rule["cases"]:
                    if kind == "loop":
                        found.extend(_loop(element, case, now))
                    else:
                        found.extend(_case(element, kind, case, now))
    return found


def _vet(kind: str, case: Case) -> None:
    if kind == "loop":
        if set(case) != {"foreach", "do", "subs"}:
            raise UnsupportedRule(f"loop keys {sorted(case)}")
        for sub_kind, rule in case["do"].items():
            for sub in rule["cases"]:
                _vet(sub_kind, sub)
        return
    if kind not in _KEYS:
        raise UnsupportedRule(f"rule kind {kind!r}")
    unknown = set(case) - _KEYS[kind] - _COMMON
    if unknown:
        raise UnsupportedRule(f"{kind} case keys {sorted(unknown)}")
    if "idCondition" in case and case["idCondition"] not in _ID_CONDITIONS:
        raise UnsupportedRule(f"idCondition {case['idCondition']!r}")
    if kind == "one_or_all" and case["all"] != "sector":  # the validator also knows lang, currency, recipient-...
        raise UnsupportedRule(f"one_or_all all={case['all']!r}")


def _loop(element: etree._Element, case: Case, now: datetime) -> Iterator[Violation]:
    values = list(dict.fromkeys(str(v) for v in element.xpath(case["foreach"])))
    for kind, rule in case["do"].items():
        for sub in rule["cases"]:
            for value in values:
                yield from _case(element, kind, _substitute(sub, case["subs"], value), now)


def _substitute(case: Case, keys: list[str], value: str) -> dict[str, Any]:
    out = dict(case)
    for key in keys:
        v = case[key]
        out[key] = v.replace("$1", value) if isinstance(v, str) else [p.replace("$1", value) for p in v]
    return out


def _case(element: etree._Element, kind: str, case: Case, now: datetime) -> Iterator[Violation]:
    if "condition" in case and not _true(element, case["condition"]):
        return
    info = case.get("ruleInfo", {})
    activity = str(element.xpath("string(ancestor-or-self::iati-activity/iati-identifier)"))
    for detail in _failures(element, kind, case, now):
        yield Violation(str(info.get("id", "?")), kind, activity, detail, str(info.get("message", "")))


def _true(element: etree._Element, expression: str) -> bool:
    return bool(element.xpath(f"boolean({expression})"))


def _matches(element: etree._Element, case: Case) -> list[Any]:
    return [m for path in case["paths"] for m in element.xpath(path)]


def _text(match: Any) -> str:
    return "".join(match.itertext()) if isinstance(match, etree._Element) else str(match)


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        return None


def _failures(element: etree._Element, kind: str, case: Case, now: datetime) -> Iterator[str]:
    if kind == "atleast_one":
        if not _matches(element, case):
            yield f"none of {case['paths']}"
    elif kind == "one_or_all":
        yield from _one_or_all(element, case)
    elif kind == "date_order":
        yield from _date_order(element, case, now)
    elif kind == "strict_sum":
        texts = [_text(m) for m in _matches(element, case)]
        numbers = [_number(t) for t in texts]
        if None in numbers:
            yield f"not a number among {texts}"
        elif sum(n for n in numbers if n is not None) != Decimal(str(case["sum"])):
            yield f"{' + '.join(texts) or 'nothing'} is not {case['sum']}"
    elif kind == "range":
        for text in map(_text, _matches(element, case)):
            n = _number(text)
            if n is None or ("min" in case and n < Decimal(str(case["min"]))) or (
                    "max" in case and n > Decimal(str(case["max"]))):
                yield f"{text!r} outside [{case.get('min', '')}, {case.get('max', '')}]"
    elif kind == "if_then":
        if _true(element, case["if"]) and not _true(element, case["then"]):
            yield f"{case['if']} but not {case['then']}"
    elif kind == "regex_matches":
        for text in map(_text, _matches(element, case)):
            if text and not re.search(case["regex"], text):
                yield f"{text!r} does not match {case['regex']}"
    elif kind == "no_spaces":
        for text in map(_text, _matches(element, case)):
            if text != text.strip():
                yield f"{text!r} starts or ends with white space"


def _one_or_all(element: etree._Element, case: Case) -> Iterator[str]:
    if element.xpath(case["one"]):
        return
    for transaction in element.xpath("transaction"):
        if not transaction.xpath("sector"):
            yield (f"transaction of {transaction.xpath('string(transaction-date/@iso-date)')} has no sector and "
                   f"the activity has none")


def _dates(element: etree._Element, path: str, now: datetime) -> list[tuple[str, date | None]]:
    if path == "NOW":
        return [("NOW", now.date())]
    found: list[tuple[str, date | None]] = []
    for text in map(_text, element.xpath(path)):
        try:
            found.append((text, date.fromisoformat(text.strip()[:10])))
        except ValueError:
            found.append((text, None))
    return found


def _date_order(element: etree._Element, case: Case, now: datetime) -> Iterator[str]:
    less, more = _dates(element, case["less"], now), _dates(element, case["more"], now)
    if not less or not more:
        return  # as the specification says: a rule whose dates are absent is ignored
    for text, day in [*less, *more]:
        if day is None:
            yield f"{text!r} is not a date"
    for text, day in less:
        for later_text, later in more:
            if day is not None and later is not None and day > later:
                yield f"{case['less']} = {text} is after {case['more']} = {later_text}"


def unresolved_links(document: etree._Element) -> list[str]:
    """Not an IATI rule but Gotong's own promise (domain/iati.py, "money counted once"): every
    provider-activity-id / receiver-activity-id names an activity in the same file, and that activity reports the
    same money (value and date) linked back."""
    activities = {str(a.findtext("iati-identifier")): a for a in document.iter("iati-activity")}
    problems = []
    for activity_id, activity in activities.items():
        for transaction in activity.iter("transaction"):
            for side, back in (("provider", "receiver"), ("receiver", "provider")):
                target_id = transaction.xpath(f"string({side}-org/@{side}-activity-id)")
                if not target_id:
                    continue
                value = transaction.findtext("value")
                day = transaction.xpath("string(transaction-date/@iso-date)")
                target = activities.get(target_id)
                mirror = [] if target is None else target.xpath(
                    f"transaction[{back}-org/@{back}-activity-id = $me and value = $value "
                    f"and transaction-date/@iso-date = $day]", me=activity_id, value=value, day=day)
                if not mirror:
                    problems.append(f"{activity_id}: {side}-activity-id {target_id} ({value} on {day}) "
                                    f"{'names no activity in the file' if target is None else 'is not linked back'}")
    return problems
