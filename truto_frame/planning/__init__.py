"""Plans: build one from a frame, the plan object, baselines, changes, sending, undo."""
