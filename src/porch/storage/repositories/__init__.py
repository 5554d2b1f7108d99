"""Repositories: the only code that writes SQL. Each maps rows to domain objects."""
