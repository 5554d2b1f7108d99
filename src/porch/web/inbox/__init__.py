"""Porch's inbox pages: /inbox (signed-in, first-party cookie), its Atom feed, public profiles."""
