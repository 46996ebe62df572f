"""Test-session set-up: isolated Prefect home, offline, one Prefect server for the whole run."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

_PREFECT_DIR = Path(tempfile.mkdtemp(prefix="shoplines-prefect-"))
os.environ.update(
    {
        "PREFECT_HOME": str(_PREFECT_DIR),
        "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(_PREFECT_DIR / "results"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    }
)
for _name in [n for n in os.environ if n.startswith("SHOPLINES_")]:
    del os.environ[_name]  # tests configure shoplines explicitly
# Flows page unless a test asks for bulk reads (the faults most flow tests plant are on paged queries); bulk
# reads have tests of their own, and subprocess tests (chaos, the CLI) run with the product's default
os.environ["SHOPLINES_SHOPIFY_BULK_FROM_DAYS"] = "0"

hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One temporary Prefect server for every flow test in the run (it takes ~10 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield
