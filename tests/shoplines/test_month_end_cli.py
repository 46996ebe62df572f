"""`shoplines run month-end`: a month that is not YYYY-MM is one clear error before anything runs."""

from __future__ import annotations

import pytest

from shoplines.cli import main


@pytest.mark.parametrize("month", ["2026-13", "Oct 2026", "2026-1"])
def test_a_bad_month_is_one_clear_error_and_exit_2(month: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["run", "month-end", "--month", month])
    err = capsys.readouterr().err
    assert done.value.code == 2
    assert "is not YYYY-MM" in err
    assert "Traceback" not in err
