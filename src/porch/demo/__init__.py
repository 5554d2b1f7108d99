"""The demo blog: the two posts Porch started from, and their conversations."""
