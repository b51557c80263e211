"""The cheap contract check keeps exactly what pydantic would, and leaves anything else to pydantic."""

from typing import ClassVar, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gotong.messaging.shapes import shape_check


class Payment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    event_type: ClassVar[str] = "Payment"

    payment_id: str
    amount: int = Field(ge=0)
    share: float = 1.0
    desil: int | None = None
    status: Literal["paid", "returned"]
    attempt: int = Field(default=1, ge=1)
    urgent: bool = False


GOOD = {"payment_id": "pay-1", "amount": 750_000, "status": "paid", "desil": 3, "extra": "ignored"}


def test_data_of_exactly_the_contracts_shape_gives_what_pydantic_keeps():
    check = shape_check(Payment)
    assert check is not None
    for data in (GOOD, {**GOOD, "desil": None}, {**GOOD, "attempt": 2, "share": 0.5, "urgent": True},
                 {"payment_id": "", "amount": 0, "status": "returned"}):
        assert check(data) == Payment.model_validate(data).model_dump()


@pytest.mark.parametrize("change", [
    {"amount": -1}, {"attempt": 0}, {"status": "lost"}, {"payment_id": None}, {"amount": None}, {"amount": 1.5},
    {"amount": "12"}, {"amount": True}, {"share": 1}, {"urgent": 1}, {"payment_id": 5}])
def test_anything_else_is_left_to_pydantic(change):
    data = {**GOOD, **change}
    assert shape_check(Payment)(data) is None  # type: ignore[misc]
    try:  # pydantic decides: coerces what the contract allows, refuses the rest
        Payment.model_validate(data)
    except ValidationError:
        pass


def test_missing_required_field_or_not_a_mapping_is_left_to_pydantic():
    check = shape_check(Payment)
    assert check is not None
    assert check({k: v for k, v in GOOD.items() if k != "status"}) is None
    assert check(["not", "a", "mapping"]) is None
    assert check(None) is None


def test_a_contract_with_validators_or_other_types_has_no_cheap_check():
    class Checked(Payment):
        @field_validator("payment_id")
        @classmethod
        def upper(cls, v: str) -> str:
            return v.upper()

    class Listed(BaseModel):
        ids: list[str]

    class Stripped(BaseModel):
        model_config = ConfigDict(str_strip_whitespace=True)
        name: str

    class Patterned(BaseModel):
        code: str = Field(pattern=r"^\d+$")

    for model in (Checked, Listed, Stripped, Patterned):
        assert shape_check(model) is None
