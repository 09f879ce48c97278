"""Render: a plan laid out by a target's templates (rnnspec/targets/, source.py),
formatted by black (format.py), kept in the cache (cache.py), from a spec file
(from_file.py) or many (batch.py), written atomically (write.py)."""
