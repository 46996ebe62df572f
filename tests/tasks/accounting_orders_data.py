"""#1001's lines and shipping, shared by the order and refund tests (cents checked in the order tests)."""

from tests.tasks.posting_payloads import line, shipping, tax

DOMESTIC_LINES = [
    line(1001, 1, "Rooibos Tea", 2, "160.20", tax("20.90"), sku="RB-TEA"),
    line(1001, 2, "Mug", 1, "159.00", tax("20.74"), sku="MUG"),
]
DOMESTIC_SHIPPING = [shipping("Courier", "60.00", tax("7.83"))]
