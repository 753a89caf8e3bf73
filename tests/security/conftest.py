"""Hypothesis settings for the bad-input tests: bounded, and reproducible on CI.

The profile is registered, not loaded, so other folders keep Hypothesis' defaults;
each property here starts from it with its own max_examples (see ``bounded``).
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "security",
    deadline=None,
    derandomize=os.environ.get("CI") == "true",
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
