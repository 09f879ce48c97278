"""`python -m rnnspec.cli`, as `rnnspec`."""

from . import main

main(prog_name="rnnspec")
