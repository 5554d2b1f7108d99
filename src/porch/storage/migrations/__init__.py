"""Alembic migrations. ``porch migrate`` runs them; see storage/migrate.py."""
