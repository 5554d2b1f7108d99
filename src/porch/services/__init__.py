"""Use cases: one verb-phrase function each. The web API, the CLI and importers all call these."""
