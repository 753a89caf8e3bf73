from hypothesis import settings


def bounded(max_examples: int):
    """The security profile with this many examples (each set stays well under a minute)."""
    return settings(settings.get_profile("security"), max_examples=max_examples)
