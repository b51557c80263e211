"""Published figures: small-cell protection (aggregates must not identify anyone) and how numbers are written.

A group is (name, households, amount in rupiah), households counted net of returned payments.
"""

from __future__ import annotations

from collections.abc import Iterable

#: Groups smaller than this are not published (no count, no amount): aggregates must not identify anyone.
MIN_CELL = 10

Group = tuple[str, int, int]


def number(n: int, lang: str) -> str:
    """A count as each language writes it: `1.234.567` in Indonesian, `1,234,567` in English."""
    return f"{n:,}".replace(",", "." if lang == "id" else ",")


def rupiah(amount: int, lang: str = "id") -> str:
    """Rupiah with the language's digit grouping; a no-break space keeps "Rp" on the amount's line."""
    return "Rp\u00a0" + number(amount, lang)


def ratio(num: int, den: int, lang: str) -> str:
    """`num / den` with two decimals (a decimal comma in Indonesian), or a dash without a denominator."""
    if not den:
        return "\u2014"
    text = f"{num / den:.2f}"
    return text.replace(".", ",") if lang == "id" else text


def suppress(households: int, amount: int, lang: str) -> tuple[str, str]:
    """A group's count and amount as published: hidden below MIN_CELL households."""
    if households < MIN_CELL:
        return f"< {MIN_CELL}", "—"
    return number(households, lang), rupiah(amount, lang)


def small_count(n: int, lang: str) -> str:
    """A count of households, published only when it cannot point at anyone."""
    return number(n, lang) if n >= MIN_CELL else f"< {MIN_CELL}"


def protect(groups: list[Group], others: str) -> list[Group]:
    """Small-cell protection: groups under MIN_CELL households are pooled into one `others` row, and if that
    pool is still small the smallest published groups join it — so no small group can be derived by
    subtracting published rows from the total. (name, households, amount) in, same out."""
    big = sorted([g for g in groups if g[1] >= MIN_CELL], key=lambda g: g[1])
    small = [g for g in groups if g[1] < MIN_CELL]
    if not small:
        return sorted(groups, key=lambda g: -g[2])
    pool = [0, 0]
    for _, h, a in small:
        pool[0] += h
        pool[1] += a
    while pool[0] < MIN_CELL and big:
        _, h, a = big.pop(0)
        pool[0] += h
        pool[1] += a
    return [*sorted(big, key=lambda g: -g[2]), (others, pool[0], pool[1])]


def by_province(regions: Iterable[Group]) -> dict[str, tuple[int, int]]:
    """Region-level groups (region codes "32.73.01.1001") summed per province ("32")."""
    provinces: dict[str, list[int]] = {}
    for code, households, amount in regions:
        agg = provinces.setdefault((code or "").split(".")[0], [0, 0])
        agg[0] += households
        agg[1] += amount
    return {code: (h, a) for code, (h, a) in provinces.items()}
