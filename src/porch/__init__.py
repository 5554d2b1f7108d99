"""Porch: self-hosted conversations for blogs and communities."""

__version__ = "0.1.0"
