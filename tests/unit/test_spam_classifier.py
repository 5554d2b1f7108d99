"""The moderators' spam classifier learns from labelled examples and round-trips as JSON."""

from __future__ import annotations

from porch.domain.spam_classifier import SpamModel, choose_threshold, features, measure, train

HAM = [
    "I loved the part about the garden, thanks for writing",
    "See you at the meeting tomorrow",
    "My grandmother grew roses like these",
    "Good point about the budget, I had not thought of it",
]
SPAM = [
    "WIN a FREE prize now, text 80082 to claim",
    "Cheap loans, click http://loans.example now",
    "FREE entry to win cash, call 09061701461",
    "Claim your prize: visit http://prize.example",
]


def test_features_squash_numbers_and_urls_and_add_pairs() -> None:
    found = features("Call 09061701461 or visit http://x.example/a now")
    assert "<num6>" in found and "host:x.example" in found and "call <num6>" in found


def test_it_learns_which_side_a_message_leans() -> None:
    model = train([(t, False) for t in HAM * 6] + [(t, True) for t in SPAM * 6])
    assert model.ready
    assert model.probability("win a free prize, text now") > 0.9
    assert model.probability("thanks for the roses in the garden") < 0.1
    threshold = choose_threshold(model, [(t, False) for t in HAM] + [(t, True) for t in SPAM], 0.95)
    scores = measure(model, [("free prize text now", True), ("see you at the garden", False)], threshold)
    assert scores.precision == 1.0 and scores.recall == 1.0


def test_a_model_round_trips_as_json() -> None:
    model = train([(HAM[0], False), (SPAM[0], True)])
    again = SpamModel.from_json(model.to_json())
    assert again.log_odds(SPAM[1]) == model.log_odds(SPAM[1]) and not again.ready
