"""The ranges numbers from outside must keep: what PostgreSQL's integer columns hold and what an amount of money
can be. Every integer field of a request model or parameter takes one of these (or bounds of its own)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
INT32_MAX = 2**31 - 1
INT16_MAX = 2**15 - 1
#: The largest single amount: Rp 1.000 triliun (10^15), over a quarter of Indonesia's whole state budget. A ledger
#: summing thousands of the largest amounts still fits PostgreSQL's bigint (about 9.2 × 10^18).
MAX_RUPIAH = 10**15

#: Any integer a `bigint` column holds.
Int64 = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]
#: A count, offset, position or version kept in an `integer` column (0 to 2^31 - 1).
Count = Annotated[int, Field(ge=0, le=INT32_MAX)]
#: Money: whole rupiah, 0 to Rp 1.000 triliun. Strict: an integer in JSON, never a string, fraction or boolean
#: (`true` would otherwise be Rp 1, and `1e3` a float).
Rupiah = Annotated[int, Field(strict=True, ge=0, le=MAX_RUPIAH, description="whole rupiah (an integer)")]
#: Money that must be more than nothing: a deposit, pledge, allocation or benefit.
PositiveRupiah = Annotated[int, Field(strict=True, gt=0, le=MAX_RUPIAH, description="whole rupiah (an integer)")]

__all__ = ["INT16_MAX", "INT32_MAX", "INT64_MAX", "INT64_MIN", "MAX_RUPIAH", "Count", "Int64", "PositiveRupiah",
           "Rupiah"]
