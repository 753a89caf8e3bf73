"""Bad input: property tests (Hypothesis) and the XSS corpus.

The Hypothesis profile is registered here, not loaded, so other folders keep
Hypothesis' defaults; each property starts from it with its own max_examples.
On CI (CI=true) examples are derandomized so a run is reproducible.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "security",
    deadline=None,
    derandomize=os.environ.get("CI") == "true",
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def bounded(max_examples: int):
    """The security profile with this many examples (each set stays well under a minute)."""
    return settings(settings.get_profile("security"), max_examples=max_examples)
