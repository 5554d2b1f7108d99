"""Plain objects and rules. Nothing here imports web, storage or reads the clock: ``now`` is passed in."""
