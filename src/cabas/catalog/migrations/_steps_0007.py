"""The order-step rule as it stood when migrations catalog 0007 and ordering 0007 ran (a copy of
``cabas.catalog.steps``, frozen so that those migrations never change when that module does). The migration loader
skips this module (its name starts with an underscore)."""

from decimal import Decimal

COUNTABLE = {"piece", "bunch", "dozen"}
DEFAULT_STEPS = {"kg": Decimal("0.1"), "g": Decimal(100), "l": Decimal(1),
                 "piece": Decimal(1), "bunch": Decimal(1), "dozen": Decimal(1)}
MINIMUM_STEPS = {"kg": Decimal("0.01"), "g": Decimal(10), "l": Decimal("0.01"),
                 "piece": Decimal(1), "bunch": Decimal(1), "dozen": Decimal(1)}
USUAL_STEPS = tuple(Decimal(s) for s in ("1", "0.5", "0.25", "0.2", "0.1", "0.05", "0.02", "0.01"))


def default_order_step(unit, pack_size):
    default = DEFAULT_STEPS[unit]
    if pack_size is None or pack_size % default == 0:
        return default
    if unit in COUNTABLE:
        return None
    minimum = MINIMUM_STEPS[unit]
    if minimum <= pack_size < default:
        return pack_size
    scale = Decimal(1000) if unit == "g" else Decimal(1)
    for step in USUAL_STEPS:
        step *= scale
        if minimum <= step <= default and pack_size % step == 0:
            return step
    return None


def needs_a_step(unit, step):
    """No step, one finer than the unit's minimum, or a fractional one for what is counted."""
    return (step is None or step < MINIMUM_STEPS[unit]
            or (unit in COUNTABLE and step != step.to_integral_value()))
