"""The data model: the event schema, per-integration rules, cell sentinels."""
