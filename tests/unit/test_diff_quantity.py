from decimal import Decimal

import pytest

from gitops_tui.diff import QuantityError, parse_quantity, same_quantity


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("1000m", 1),
        ("1000m", "1"),
        (1, "1"),
        (0.5, "500m"),
        ("0.5", "500m"),
        ("1Gi", "1024Mi"),
        ("0.5Gi", "512Mi"),
        ("1e3", "1k"),
        ("100M", "1e8"),
        ("1.5", "1500m"),
        ("250000u", "250m"),
        (".5", "500m"),
    ],
)
def test_equal_quantities(a, b):
    assert same_quantity(a, b)
    assert same_quantity(b, a)


@pytest.mark.parametrize(("a", "b"), [("1k", "1Ki"), ("1", "1001m"), ("1Mi", "1M"), ("1", "1m")])
def test_different_quantities(a, b):
    assert not same_quantity(a, b)


def test_exact_values():
    assert parse_quantity("1Ki") == 1024
    assert parse_quantity("1E") == Decimal(10) ** 18
    assert parse_quantity("1e3") == 1000
    assert parse_quantity(0.1) == Decimal("0.1")


@pytest.mark.parametrize("bad", ["abc", "", "1.2.3", "1 Gi", "Gi", True, None, [1]])
def test_not_a_quantity(bad):
    with pytest.raises(QuantityError):
        parse_quantity(bad)
    assert not same_quantity(bad, "1")
