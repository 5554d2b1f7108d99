"""Each worker's trained spam classifiers, one per site, kept until the site's model version moves.

Separate from ``spam_opinions.py`` so that ``Context`` can hold one without importing the services.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from porch.domain.spam_classifier import SpamModel, train


class SpamModels:
    """One worker's trained classifiers, per site, each tagged with the version it was trained at."""

    def __init__(self) -> None:
        self._models: dict[int, tuple[int, SpamModel]] = {}
        self._lock = threading.Lock()
        self.trainings = 0  # how many times a model was (re)built: tests and curiosity

    def model_for(
        self, site_id: int, version: int, examples: Callable[[], Iterable[tuple[str, bool]]]
    ) -> SpamModel:
        """The site's model at ``version``; trained from ``examples()`` when this worker has none that fresh."""
        with self._lock:
            cached = self._models.get(site_id)
        if cached is not None and cached[0] == version:
            return cached[1]
        model = train(examples())  # outside the lock: another site's posts need not wait for it
        with self._lock:
            self._models[site_id] = (version, model)
            self.trainings += 1
        return model
