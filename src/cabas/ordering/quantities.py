"""Reading a quantity typed by a member (no Django import).

Accepts "2", "2.5" and the French "2,5"; refuses what is not a number, negative, absurdly large,
more precise than a gram or a millilitre, or fractional for things counted whole.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

MAX_DECIMAL_PLACES = 3


def shown(raw: object, limit: int = 40) -> str:
    """What a message may repeat of a typed value: its printable characters only (never a lone surrogate,
    which no page or JSON answer can encode, nor a control character), at most ``limit`` of them."""
    return "".join(ch for ch in str(raw) if ch.isprintable() and not "\ud800" <= ch <= "\udfff")[:limit]


class QuantityError(ValueError):
    """`code` is one of: not_a_number, negative, too_large, too_precise, not_whole."""

    def __init__(self, code: str, raw: str, limit: Decimal | None = None):
        super().__init__(code)
        self.code = code
        self.raw = shown(raw)
        self.limit = limit


def parse_quantity(raw: str | Decimal | int | None, *, countable: bool, maximum: Decimal) -> Decimal:
    """The quantity as a Decimal; an empty field means zero."""
    if raw is None:
        return Decimal(0)
    if isinstance(raw, (Decimal, int)) and not isinstance(raw, bool):
        text = str(raw)
    elif isinstance(raw, str):
        text = raw.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    else:
        raise QuantityError("not_a_number", str(raw))
    if text == "":
        return Decimal(0)
    if len(text) > 32:
        raise QuantityError("not_a_number", str(raw))
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise QuantityError("not_a_number", str(raw)) from None
    if not value.is_finite():
        raise QuantityError("not_a_number", str(raw))
    if value < 0:
        raise QuantityError("negative", str(raw))
    if value > maximum:
        raise QuantityError("too_large", str(raw), limit=maximum)
    if value != value.quantize(Decimal(1).scaleb(-MAX_DECIMAL_PLACES)):
        raise QuantityError("too_precise", str(raw))
    if countable and value != value.to_integral_value():
        raise QuantityError("not_whole", str(raw))
    return value.quantize(Decimal("0.001"))
