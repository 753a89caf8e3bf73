"""Toxicity classifiers: the offline model, an external HTTP scorer, and choosing one."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured

from comments import moderation
from comments.classifiers import (
    HttpClassifier,
    ProfanityCheckClassifier,
    ScorerUnavailable,
    get_classifier,
)


class FixedClassifier:
    """Named by dotted path in COMMENT_CLASSIFIER below."""

    def score(self, text):
        return 0.5


# The offline model


@pytest.fixture(scope="module")
def profanity_check():
    return ProfanityCheckClassifier()


def test_the_offline_model_scores_an_insult_high(profanity_check):
    assert profanity_check.score("You are a stupid idiot, shut up.") > 0.9


def test_the_offline_model_scores_a_civil_sentence_low(profanity_check):
    score = profanity_check.score("Independent monitors would help both sides keep the ceasefire.")
    assert score < 0.3


def test_the_offline_model_gives_a_plain_float(profanity_check):
    assert type(profanity_check.score("Hello")) is float


@pytest.mark.parametrize(
    "text",
    [
        "You are a stupid idiot, shut up.",
        "Independent monitors would help both sides keep the ceasefire.",
        "Hello",
        "",
        "!!! ***",
        "the and of",  # stop words only
        "Ünïcode wörds, CAPITALS and repeated repeated repeated words",
        "ceasefire border talks ASEAN monitors patrols *really* **must** `code` " * 20,
    ],
)
def test_the_offline_model_scores_exactly_as_scikit_learn_does(profanity_check, text):
    from profanity_check import predict_prob

    assert profanity_check.score(text) == float(predict_prob([text])[0])


def test_the_offline_model_scores_many_texts_exactly_as_scikit_learn_does(profanity_check):
    import random

    from profanity_check.profanity_check import predict_prob, vectorizer

    rng = random.Random(5)
    words = [*sorted(vectorizer.vocabulary_), "idiot", "ceasefire", "1d10t"]
    texts = [" ".join(rng.choices(words, k=rng.randint(1, 60))) for _ in range(300)]
    assert [profanity_check.score(text) for text in texts] == predict_prob(texts).tolist()


# An external scorer over HTTP


class Scorer(BaseHTTPRequestHandler):
    """Answers by path: /ok, /slow, /error, /garbage, /no-score, /out-of-range, /true."""

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        self.server.received.append(
            (self.path, self.headers.get("Content-Type"), json.loads(self.rfile.read(length)))
        )
        if self.path == "/slow":
            self.server.release.wait(5)
        status, body = {
            "/error": (500, b'{"score": 0.1}'),
            "/garbage": (200, b"<html>Bad gateway</html>"),
            "/no-score": (200, b'{"toxicity": 0.1}'),
            "/out-of-range": (200, b'{"score": 1.5}'),
            "/true": (200, b'{"score": true}'),
        }.get(self.path, (200, b'{"score": 0.25}'))
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:  # the client gave up waiting (the timeout test)
            pass

    def log_message(self, format, *args):
        pass


@pytest.fixture
def scorer():
    """A scoring service on a free local port: its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Scorer)
    server.daemon_threads = True
    server.received = []
    server.release = threading.Event()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


def url(server, path):
    host, port = server.server_address[:2]
    return f"http://{host}:{port}{path}"


def test_the_http_classifier_posts_the_text_as_json_and_reads_the_score(scorer):
    assert HttpClassifier(url(scorer, "/ok")).score("Hello there") == 0.25
    assert scorer.received == [("/ok", "application/json", {"text": "Hello there"})]


def test_the_http_classifier_reads_its_url_and_timeout_from_settings(scorer, settings):
    settings.COMMENT_CLASSIFIER_URL = url(scorer, "/slow")
    settings.COMMENT_CLASSIFIER_TIMEOUT = 0.2
    classifier = HttpClassifier()
    with pytest.raises(ScorerUnavailable):
        classifier.score("Anyone there?")
    # A generous timeout for the answer that should arrive: a loaded CI machine
    # can take longer than 0.2 s to serve even a local request.
    settings.COMMENT_CLASSIFIER_URL = url(scorer, "/ok")
    settings.COMMENT_CLASSIFIER_TIMEOUT = 10
    assert classifier.timeout == 10
    assert classifier.score("Anyone there?") == 0.25


def test_a_slow_scorer_times_out_as_unavailable(scorer):
    with pytest.raises(ScorerUnavailable, match="did not answer"):
        HttpClassifier(url(scorer, "/slow"), timeout=0.2).score("Anyone there?")


def test_a_server_error_is_unavailable(scorer):
    with pytest.raises(ScorerUnavailable, match="HTTP 500"):
        HttpClassifier(url(scorer, "/error")).score("Hello")


@pytest.mark.parametrize("path", ["/garbage", "/no-score", "/out-of-range", "/true"])
def test_an_answer_that_is_not_a_score_is_unavailable(scorer, path):
    with pytest.raises(ScorerUnavailable):
        HttpClassifier(url(scorer, path)).score("Hello")


def test_a_scorer_that_is_not_running_is_unavailable(scorer):
    address = url(scorer, "/ok")
    scorer.shutdown()
    scorer.server_close()
    with pytest.raises(ScorerUnavailable, match="did not answer"):
        HttpClassifier(address, timeout=1).score("Hello")


@pytest.mark.parametrize("address", ["", "file:///etc/passwd", "ftp://scorer.example/"])
def test_the_http_classifier_refuses_a_url_that_is_not_http(address):
    with pytest.raises(ImproperlyConfigured):
        HttpClassifier(address).score("Hello")


def test_the_pipeline_uses_the_same_unavailable_error():
    assert moderation.ScorerUnavailable is ScorerUnavailable


# Choosing one


def test_get_classifier_builds_the_class_the_setting_names_once(settings):
    settings.COMMENT_CLASSIFIER = "tests.comments.test_classifiers.FixedClassifier"
    classifier = get_classifier()
    assert isinstance(classifier, FixedClassifier)
    assert get_classifier() is classifier


def test_get_classifier_defaults_to_the_offline_model(settings):
    del settings.COMMENT_CLASSIFIER
    assert isinstance(get_classifier(), ProfanityCheckClassifier)


def test_get_classifier_can_name_the_http_classifier(settings):
    settings.COMMENT_CLASSIFIER = "comments.classifiers.HttpClassifier"
    assert isinstance(get_classifier(), HttpClassifier)


def test_a_classifier_that_cannot_be_imported_is_a_configuration_error(settings):
    settings.COMMENT_CLASSIFIER = "comments.classifiers.NoSuchClassifier"
    with pytest.raises(ImproperlyConfigured, match="NoSuchClassifier"):
        get_classifier()
