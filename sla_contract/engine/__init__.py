"""ORM-free helpers for SLA clocks.

Nothing in this package imports Odoo, so it can be unit tested and
benchmarked as plain Python.
"""
