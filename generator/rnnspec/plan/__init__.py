"""Plan: the `ModelPlan` (model.py), everything a target's templates need, decided as
plain data from a checked spec; its parts (parts.py) and header lines (summary.py)."""
