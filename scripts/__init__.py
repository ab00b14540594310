"""Developer scripts (a package so scripts/bench.py can import scripts/demo.py by name)."""
