"""The typed model of a regulation and the wire models (imports nothing else of ours)."""
