"""Format generated source with black, in-process, with fixed settings."""

import black

MODE = black.Mode(target_versions={black.TargetVersion.PY311}, line_length=88)


def format_source(source: str) -> str:
    """Black-formatted source; the same input always gives the same bytes."""
    return black.format_str(source, mode=MODE)
