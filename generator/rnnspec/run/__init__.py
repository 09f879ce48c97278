"""Run: generated modules smoke-tested as a user would run them, in worker processes
(verify.py, worker.py), and what is reported of them (smoke_report.py, report.py)."""
