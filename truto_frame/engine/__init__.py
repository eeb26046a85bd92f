"""Running many calls: jobs, the runner, the journal, the results frame, the event loop."""
