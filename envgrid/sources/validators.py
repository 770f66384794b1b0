"""Checks of the identifiers supervised objects carry."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

#: GB 32100-2015 统一社会信用代码: 31 characters (no I, O, S, V, Z) and the weights of positions 1–17.
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUES = {char: value for value, char in enumerate(CREDIT_CODE_CHARSET)}


def credit_code_check_char(first17: str) -> str:
    """The 18th (check) character of a credit code, from its first 17 (GB 32100-2015, mod 31)."""
    total = sum(_VALUES[char] * weight for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def credit_code_problem(value: str) -> str | None:
    """Why ``value`` is not a valid unified social credit code, or None when it is."""
    if len(value) != 18:
        return _("A unified social credit code has 18 characters; this one has %(n)d.") % {"n": len(value)}
    bad = sorted({char for char in value if char not in _VALUES})
    if bad:
        return _("A unified social credit code cannot contain %(chars)s.") % {"chars": "".join(bad)}
    if credit_code_check_char(value[:17]) != value[17]:
        return _("The check character of the unified social credit code is wrong (expected %(char)s).") % {
            "char": credit_code_check_char(value[:17])
        }
    return None


def validate_credit_code(value: str) -> None:
    """Model validator: a GB 32100-2015 unified social credit code with a correct check character."""
    if value and (problem := credit_code_problem(value)):
        raise ValidationError(problem, code="credit_code_invalid")
