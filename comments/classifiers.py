"""Toxicity classifiers for the moderation pipeline: each has `score(text) -> float` in [0, 1].

One may also have `score_many(texts) -> list[float]`, the same scores in one call: a
worker deciding a batch of comments asks it once for all their texts (without it,
moderation.decide_many asks score() for each).

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
    """Offline: the linear model that ships inside alt-profanity-check (well under 1 ms a comment).

    The package turns the text into TF-IDF weights of its words, then averages
    five linear SVMs, each with a sigmoid calibration. Through scikit-learn that
    costs milliseconds a call, mostly in checking its input and building sparse
    matrices for one row; score() reads the same vocabulary and weights and
    does the same arithmetic in the same order, so it gives the same float (a
    test compares them). A model of another shape falls back to scikit-learn.
    """

    def __init__(self):
        # Importing the package loads its model (about a second): once per process.
        from profanity_check import profanity_check

        self._predict_prob = profanity_check.predict_prob
        self._words = _tfidf_parts(profanity_check.vectorizer)
        self._linear = _linear_parts(profanity_check.model)

    def score_many(self, texts: list[str]) -> list[float]:
        if self._words is None or self._linear is None:
            return [float(score) for score in self._predict_prob(texts)]
        return [self.score(text) for text in texts]

    def score(self, text: str) -> float:
        if self._words is None or self._linear is None:
            return float(self._predict_prob([text])[0])
        analyze, vocabulary, idf = self._words
        weights, intercepts, slopes, offsets = self._linear
        # The text's TF-IDF row: each known word's count times its idf, in column
        # order, then divided by the row's Euclidean length.
        counts = {}
        for word in analyze(text):
            column = vocabulary.get(word)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        columns = sorted(counts)
        values = [counts[column] * idf[column] for column in columns]
        length = 0.0
        for value in values:
            length += value * value
        if length:
            length = math.sqrt(length)
            values = [value / length for value in values]
        # Each SVM's decision (the row times its weights, plus its intercept), then
        # its calibrated probability, expit(-(slope * decision + offset)); averaged.
        sums = [0.0] * len(intercepts)
        for column, value in zip(columns, values, strict=True):
            row = weights[column]
            for member in range(len(sums)):
                sums[member] += value * row[member]
        total = 0.0
        for member, intercept in enumerate(intercepts):
            total += _sigmoid(slopes[member] * (sums[member] + intercept) + offsets[member])
        return total / len(intercepts)


def _sigmoid(exponent: float) -> float:
    """1 / (1 + e**exponent), which is scipy's expit(-exponent) to the bit."""
    try:
        return 1.0 / (1.0 + math.exp(exponent))
    except OverflowError:
        return 0.0


def _tfidf_parts(vectorizer):
    """(analyzer, vocabulary, idf) of a word TF-IDF vectorizer with l2 rows, or None."""
    try:
        if (
            vectorizer.norm != "l2"
            or vectorizer.sublinear_tf
            or not vectorizer.use_idf
            or vectorizer.binary
            or vectorizer.dtype.__name__ != "float64"
        ):
            return None
        idf = [float(value) for value in vectorizer.idf_]
        return vectorizer.build_analyzer(), dict(vectorizer.vocabulary_), idf
    except (AttributeError, TypeError, ValueError):
        return None


def _linear_parts(model):
    """(weights, intercepts, slopes, offsets) of a calibrated ensemble of linear SVMs, or None.

    weights[column] holds that word's weight in each SVM.
    """
    members = getattr(model, "calibrated_classifiers_", None)
    if not members or list(getattr(model, "classes_", ())) != [0, 1]:
        return None
    for member in members:
        estimator = getattr(member, "estimator", None)
        if (
            getattr(member, "method", None) != "sigmoid"
            or len(getattr(member, "calibrators", ())) != 1
            or list(getattr(estimator, "classes_", ())) != [0, 1]
            or getattr(getattr(estimator, "coef_", None), "shape", (0,))[0] != 1
            or len(getattr(estimator, "intercept_", ())) != 1
        ):
            return None
    columns = zip(*(member.estimator.coef_[0].tolist() for member in members), strict=True)
    return (
        list(columns),
        [float(member.estimator.intercept_[0]) for member in members],
        [float(member.calibrators[0].a_) for member in members],
        [float(member.calibrators[0].b_) for member in members],
    )


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
