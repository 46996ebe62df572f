"""Chaos suite: seeded fault schedules end to end, judged by the 3PL's own record (`python -m chaos`)."""
