"""The HTTP face of Porch: the JSON API, first-party pages, and the demo blog."""
