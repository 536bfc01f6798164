"""Benchmarks of the availability engine (clinic_app/scheduling) and of booking over HTTP.

Run from the repository root: ``.venv/bin/python -m bench.availability.run`` and
``.venv/bin/python -m bench.availability.throughput`` (see bench/README.md).
"""
