"""Named crash points for the chaos suite: `SHOPLINES_CRASH_AT=<name>` kills the process there (SIGKILL).

Production never sets the variable; the chaos suite sets it per schedule to prove that a run killed at any
of these points, then run again, delivers every order version exactly once.
"""

from __future__ import annotations

import os
import signal

ENV = "SHOPLINES_CRASH_AT"
WAREHOUSE_POINTS = (
    "after_part_upload",  # the .part is on the server, no intent recorded yet
    "after_intent_before_rename",  # intent recorded, the 3PL cannot see the file yet
    "after_rename_before_archive",  # delivered, not yet archived or confirmed
    "after_archive_before_confirm",  # delivered and archived, not confirmed
    "after_confirm",  # confirmed, the run has not finished
)
ACCOUNTING_POINTS = (
    "after_posting_intent",  # accounting: intents recorded, Xero not called yet
    "after_post_before_mark",  # accounting: Xero has the documents, the ledger still says intent
    "after_payment_before_mark",  # accounting: Xero has the payments, the ledger still says intent
)
INVENTORY_POINTS = (
    "after_correction_intent",  # inventory: the batch's intent recorded, Shopify not called yet
    "after_correction_before_mark",  # inventory: Shopify has the new counts, the ledger still says intent
)
POINTS = WAREHOUSE_POINTS + ACCOUNTING_POINTS + INVENTORY_POINTS


def crash_point(name: str) -> None:
    """Die here, at once and without clean-up, when the chaos suite asks for this point."""
    if name not in POINTS:
        raise ValueError(f"unknown crash point {name!r}")
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
