"""Reusable widgets: they render state and post messages; no I/O, no services."""
