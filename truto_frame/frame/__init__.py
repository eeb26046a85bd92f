"""Flat frames and nested events: cells, column paths, flatten/unflatten, row problems."""
