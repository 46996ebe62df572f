"""What happens to a generated order: payment, fulfilment, refunds, cancellation and special cases."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Literal

Payment = Literal["paid", "authorized", "captured", "pending"]
Shipping = Literal["none", "partial", "full", "hold"]
RefundKind = Literal["none", "partial", "full", "shipping"]
Discount = Literal["none", "percent", "freeship", "both"]


@dataclass(frozen=True)
class Scenario:
    """The life of one generated order."""

    payment: Payment = "paid"
    shipping: Shipping = "none"
    refund: RefundKind = "none"
    discount: Discount = "none"
    cancelled: bool = False
    test: bool = False
    export: bool = False
    digital_only: bool = False
    old: bool = False
    midnight: bool = False
    closed: bool = False


_BASE = Scenario()
# The first orders of every store cover each case once, so even a 20-order store exercises them all.
FORCED: tuple[Scenario, ...] = (
    replace(_BASE, shipping="full", closed=True),
    _BASE,
    replace(_BASE, shipping="partial"),
    replace(_BASE, shipping="hold"),
    replace(_BASE, payment="authorized"),
    replace(_BASE, payment="pending"),
    replace(_BASE, shipping="full", refund="partial"),
    replace(_BASE, refund="full"),
    replace(_BASE, shipping="full", refund="shipping"),
    replace(_BASE, cancelled=True),
    replace(_BASE, test=True, shipping="full"),
    replace(_BASE, export=True),
    replace(_BASE, digital_only=True, closed=True),
    replace(_BASE, old=True, shipping="full", closed=True),
    replace(_BASE, payment="authorized", cancelled=True),
    replace(_BASE, payment="captured", shipping="full"),
    replace(_BASE, discount="both"),
    replace(_BASE, export=True, shipping="full", discount="percent"),
    replace(_BASE, export=True, refund="partial"),
    replace(_BASE, midnight=True),
    replace(_BASE, midnight=True, shipping="partial", discount="freeship"),
)


def pick(rng: random.Random, index: int) -> Scenario:
    """The scenario of the ``index``-th generated order (forced cases first, then seeded draws)."""
    if index < len(FORCED):
        return FORCED[index]
    payment: Payment = rng.choices(("paid", "authorized", "captured", "pending"), (80, 8, 6, 6))[0]
    shipping: Shipping = rng.choices(("none", "partial", "full", "hold"), (45, 8, 42, 5))[0]
    refund: RefundKind = "none"
    if payment in ("paid", "captured"):
        refund = rng.choices(("none", "partial", "full", "shipping"), (84, 8, 5, 3))[0]
    discount: Discount = rng.choices(("none", "percent", "freeship", "both"), (70, 15, 10, 5))[0]
    return Scenario(
        payment=payment,
        shipping=shipping,
        refund=refund,
        discount=discount,
        cancelled=rng.random() < 0.03,
        test=rng.random() < 0.03,
        export=rng.random() < 0.05,
        digital_only=rng.random() < 0.04,
        old=rng.random() < 0.03,
        midnight=rng.random() < 0.08,
        closed=shipping == "full" and refund == "none" and rng.random() < 0.5,
    )
