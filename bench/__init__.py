"""Benchmarks: one module per topic, each with a ``main()``; run them with ``make bench``.

Results are recorded by hand, with the machine and command, in ``docs/benchmarks.md``.
"""
