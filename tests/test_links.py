"""Runner URLs filled in from a pattern reversed once are the URLs `reverse` gives."""

import pytest
from django.urls import reverse, set_script_prefix

from runners.links import runner_url


@pytest.mark.parametrize("name", ["runner", "refresh", "runner-poll", "share-create"])
@pytest.mark.parametrize("prefix", ["/", "/comfy{web}/"])
def test_a_runner_url_is_what_reverse_gives(name, prefix):
    set_script_prefix(prefix)
    try:
        expected = reverse(name, args=["team-a_1", "runner-slot-x"])
        assert runner_url(name, "team-a_1", "runner-slot-x") == expected
    finally:
        set_script_prefix("/")
