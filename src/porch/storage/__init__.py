"""Adapters to the database: tables, the engine, a unit of work and repositories."""
