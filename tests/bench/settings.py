"""The production settings plus the benchmark's floor views (never deployed)."""

from briefing_site.settings import *  # noqa: F403

ROOT_URLCONF = "tests.bench.urls"
