"""Kubernetes resource quantities, parsed to exact decimals so "1000m", 1 and "1" compare equal.

The API server canonicalises quantities ("0.5" becomes "500m", "1Gi" stays "1Gi"), so a
desired value is only comparable with its live one after both are parsed.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
}
_QUANTITY = re.compile(
    r"^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$"
)


class QuantityError(ValueError):
    pass


def parse_quantity(value: str | int | float) -> Decimal:
    """The exact value of a quantity; raises QuantityError when it is not one."""
    if isinstance(value, bool):
        raise QuantityError(f"not a quantity: {value!r}")
    if isinstance(value, int | float):
        # str() of a float is its shortest round-trip form: 0.1 stays 0.1, not 0.1000000000000000055.
        value = str(value)
    if not isinstance(value, str):
        raise QuantityError(f"not a quantity: {value!r}")
    return _parse(value.strip())


@lru_cache(maxsize=4096)
def _parse(text: str) -> Decimal:
    m = _QUANTITY.match(text)
    if not m:
        raise QuantityError(f"not a quantity: {text!r}")
    number, exponent, suffix = m.groups()
    try:
        base = Decimal(number)
        if exponent:
            return base * (Decimal(10) ** int(exponent[1:]))
    except InvalidOperation as e:  # pragma: no cover - the regex only lets numbers through
        raise QuantityError(f"not a quantity: {text!r}") from e
    if suffix in _BINARY:
        return base * _BINARY[suffix]
    return base * _DECIMAL[suffix or ""]


def same_quantity(a: object, b: object) -> bool:
    """True when both parse as quantities of the same value."""
    try:
        return parse_quantity(a) == parse_quantity(b)  # type: ignore[arg-type]
    except QuantityError:
        return False
