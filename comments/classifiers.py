"""Toxicity classifiers for the moderation pipeline: each has `score(text) -> float` in [0, 1].

settings.COMMENT_CLASSIFIER names the class by dotted path; get_classifier() builds it
once per process, so a model is loaded once per worker, not once per comment.
"""

import functools
import http.client
import json
import math
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

DEFAULT_CLASSIFIER = "comments.classifiers.ProfanityCheckClassifier"
DEFAULT_TIMEOUT_SECONDS = 2
# A score is a few bytes of JSON; anything much bigger is not an answer.
MAX_RESPONSE_BYTES = 64 * 1024


class ScorerUnavailable(Exception):
    """The classifier could not score this time (timeout, HTTP error, nonsense): retry later.

    Defined here and re-exported by comments.moderation, which imports this module.
    """


def get_classifier():
    """The classifier named by settings.COMMENT_CLASSIFIER, built once per process."""
    return _build(getattr(settings, "COMMENT_CLASSIFIER", DEFAULT_CLASSIFIER))


@functools.cache
def _build(dotted_path: str):
    try:
        classifier_class = import_string(dotted_path)
    except ImportError as error:
        raise ImproperlyConfigured(
            f"COMMENT_CLASSIFIER={dotted_path!r} cannot be imported: {error}"
        ) from error
    return classifier_class()


class ProfanityCheckClassifier:
    """Offline: the linear model that ships inside alt-profanity-check (about 1 ms a comment)."""

    def __init__(self):
        # Importing the package loads its model (about a second): once per process.
        from profanity_check import predict_prob

        self._predict_prob = predict_prob

    def score(self, text: str) -> float:
        return float(self._predict_prob([text])[0])


class HttpClassifier:
    """An external scorer: POST {"text": ...} as JSON, answered with {"score": <0..1>}.

    The URL and timeout come from settings.COMMENT_CLASSIFIER_URL and
    COMMENT_CLASSIFIER_TIMEOUT (seconds, default 2) unless given here. The timeout
    bounds each wait on the network (connecting, then each read), as urllib does.
    Whatever goes wrong raises ScorerUnavailable, which the moderation task retries.
    """

    def __init__(self, url: str | None = None, timeout: float | None = None):
        self._url = url
        self._timeout = timeout

    @property
    def url(self) -> str:
        url = (
            self._url if self._url is not None else getattr(settings, "COMMENT_CLASSIFIER_URL", "")
        )
        if urlsplit(url).scheme not in {"http", "https"}:
            raise ImproperlyConfigured(
                f"COMMENT_CLASSIFIER_URL={url!r} must be an http:// or https:// URL."
            )
        return url

    @property
    def timeout(self) -> float:
        if self._timeout is not None:
            return self._timeout
        return getattr(settings, "COMMENT_CLASSIFIER_TIMEOUT", DEFAULT_TIMEOUT_SECONDS)

    def score(self, text: str) -> float:
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in .url
            self.url,
            data=json.dumps({"text": text}).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as error:
            raise ScorerUnavailable(f"The scorer answered HTTP {error.code}.") from error
        except (OSError, http.client.HTTPException) as error:
            # URLError (refused, DNS), TimeoutError and resets are all OSErrors.
            raise ScorerUnavailable(f"The scorer did not answer: {error}.") from error
        return _parse_score(body)


def _parse_score(body: bytes) -> float:
    if len(body) > MAX_RESPONSE_BYTES:
        raise ScorerUnavailable("The scorer's answer is too long to be a score.")
    try:
        answer = json.loads(body)
    except ValueError as error:
        raise ScorerUnavailable("The scorer's answer is not JSON.") from error
    score = answer.get("score") if isinstance(answer, dict) else None
    # bool is an int in Python, but `true` is not a score.
    if isinstance(score, bool) or not isinstance(score, int | float):
        raise ScorerUnavailable("The scorer's answer has no numeric score.")
    if not (math.isfinite(score) and 0 <= score <= 1):
        raise ScorerUnavailable(f"The scorer's score {score!r} is not between 0 and 1.")
    return float(score)
