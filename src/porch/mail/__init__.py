"""Outgoing mail: a message type and its adapters (SMTP, and a log for development)."""
