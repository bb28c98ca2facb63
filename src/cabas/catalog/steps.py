"""Order steps: the smallest quantity a household may order, which a volunteer must be able to hand over at
the distribution (a piece, a bottle, 100 g weighed on the depot's scales). No Django import.

Every product has one. When none is given, the unit's default applies: 1 for what is counted (piece, bunch,
dozen) and for litres (bottles of a litre), 100 g for what is weighed (0.1 kg, or 100 when priced by the
gram). A pack smaller than that default is its own step (a 75 cl bottle, a 50 g sachet); a larger pack the default
does not divide takes the largest of the usual steps that divides it (a 1.5 l pack: 0.5 l, a 250 g pack: 50 g).

A step is never finer than 10 g or 1 cl (0.01 kg or l, 10 g), nor fractional for what is counted, and it
divides the pack size: no scales at a depot weigh to the gram, and no rationing hands out a third of a pack.
"""

from __future__ import annotations

from decimal import Decimal

COUNTABLE = frozenset({"piece", "bunch", "dozen"})

# The unit's step when none is given.
DEFAULT_STEPS: dict[str, Decimal] = {
    "kg": Decimal("0.1"), "g": Decimal(100), "l": Decimal(1),
    "piece": Decimal(1), "bunch": Decimal(1), "dozen": Decimal(1),
}
# The finest step allowed: 10 g, 1 cl, one whole thing.
MINIMUM_STEPS: dict[str, Decimal] = {
    "kg": Decimal("0.01"), "g": Decimal(10), "l": Decimal("0.01"),
    "piece": Decimal(1), "bunch": Decimal(1), "dozen": Decimal(1),
}
# The usual steps of a measured unit, coarsest first (in kg or l; ×1000 for grams).
USUAL_STEPS = tuple(Decimal(s) for s in ("1", "0.5", "0.25", "0.2", "0.1", "0.05", "0.02", "0.01"))

# What `step_problem` answers.
TOO_FINE = "too_fine"
NOT_WHOLE = "not_whole"
NOT_A_DIVISOR = "not_a_divisor"
NOT_POSITIVE = "not_positive"


def _divides(step: Decimal, quantity: Decimal) -> bool:
    return step > 0 and quantity % step == 0


def default_order_step(unit: str, pack_size: Decimal | None = None) -> Decimal | None:
    """The step of a product of this unit and pack size when none is given; None when no usual step divides the
    pack (the step must then be given)."""
    default = DEFAULT_STEPS[unit]
    if pack_size is None or _divides(default, pack_size):
        return default
    if unit in COUNTABLE:
        return None  # a fractional pack of pieces: refused anyway
    minimum = MINIMUM_STEPS[unit]
    if minimum <= pack_size < default:
        return pack_size
    scale = Decimal(1000) if unit == "g" else Decimal(1)
    for step in USUAL_STEPS:
        step *= scale
        if minimum <= step <= default and _divides(step, pack_size):
            return step
    return None


def step_problem(unit: str, step: Decimal, pack_size: Decimal | None = None) -> str | None:
    """What is wrong with this step for this unit and pack size (one of the codes above), or None."""
    if step is None or step <= 0:
        return NOT_POSITIVE
    if unit in COUNTABLE and step != step.to_integral_value():
        return NOT_WHOLE
    if step < MINIMUM_STEPS[unit]:
        return TOO_FINE
    if pack_size is not None and not _divides(step, pack_size):
        return NOT_A_DIVISOR
    return None


def is_whole_steps(quantity: Decimal, step: Decimal) -> bool:
    """Whether a quantity is a whole number of steps (zero is)."""
    return quantity % step == 0
