"""Formatting for people: durations in the units people read them in."""

import pytest

from runners.templatetags.units import duration


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (45, "45 s"),
        (60, "1 min"),
        (85, "1 min 25 s"),
        (720, "12 min"),
        (7500, "2 h 5 min"),
        (36000, "10 h"),
        (90000, "1 d 1 h"),
        (None, "—"),
    ],
)
def test_a_duration_names_the_next_unit_while_the_first_is_small(seconds, shown):
    assert duration(seconds) == shown
