"""Which registry events a subscription hears: the DCI event types and the household events behind them.

Event types: `REGISTER` (household registered), `NewHouseHoldMember` (member added), `DEATH` (member
died), `DESIL_CHANGE` (ranking changed the desil) and `UPDATE` (any change of the household); the DCI
prefix (`spdci:common:RegistryEventType:`) may be given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

EVENT_TYPES = {"REGISTER": "REGISTER", "NEWHOUSEHOLDMEMBER": "NewHouseHoldMember", "DEATH": "DEATH",
               "DESIL_CHANGE": "DESIL_CHANGE", "UPDATE": "UPDATE"}
_KINDS = {"HouseholdRegistered": "REGISTER", "MemberAdded": "NewHouseHoldMember", "MemberDied": "DEATH",
          "HouseholdRanked": "DESIL_CHANGE"}


def event_type(value: str) -> str | None:
    """The DCI event type a subscriber named (with or without the DCI prefix, any case); None if unknown."""
    return EVENT_TYPES.get(value.rsplit(":", 1)[-1].upper())


def kinds(stored_type: str, data: Mapping[str, Any]) -> set[str]:
    """The DCI event types a stored household event (its type and data) is."""
    out = {_KINDS[stored_type]} if stored_type in _KINDS else set()
    if data.get("state") is not None or stored_type == "HouseholdRanked":
        out.add("UPDATE")  # the last event of each command carries the household's state
    return out
