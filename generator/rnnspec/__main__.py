"""`python -m rnnspec`: the command line, as the `rnnspec` script runs it."""

from .cli import main

main(prog_name="rnnspec")
