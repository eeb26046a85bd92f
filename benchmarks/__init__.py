"""Benchmarks of truto-frame against the sandbox over real HTTP (see ``benchmarks/README.md``).

Run them all with ``python -m benchmarks``; each one alone with
``python benchmarks/<name>.py``. They print figures and PASS/FAIL against the bars of issue 3
and always exit 0: benchmarks inform, tests assert behaviour.
"""
