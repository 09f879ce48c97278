"""Read: spec files (spec_file.py) in YAML, TOML or JSON, each read with the location of
every key and value (marks.py and a reader per format), loaded into a checked spec with
located errors (load.py)."""
