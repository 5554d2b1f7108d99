"""Exporters: a site's threads, people and comments out as Porch JSON Lines, Disqus's
import format or WordPress WXR. They write to a text stream and never touch storage
(``services/exports.py`` reads the site and hands them the rows, a chunk at a time)."""
