"""A classifier that crashes on one comment: the fault the poison-comment test injects.

Set as COMMENT_CLASSIFIER in the worker's environment. Every other text is
scored by the real offline model.
"""

from comments.classifiers import ProfanityCheckClassifier

POISON = "this text crashes the classifier"


class PoisonedClassifier(ProfanityCheckClassifier):
    def score(self, text: str) -> float:
        if POISON in text:
            # A bug, not an unavailable scorer: no retry will make it score.
            raise RuntimeError("the model choked on this text")
        return super().score(text)
