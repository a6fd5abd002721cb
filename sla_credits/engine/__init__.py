"""ORM-free money and uptime math for service credits and bonuses.

Nothing in this package imports Odoo, so it can be unit tested and
benchmarked as plain Python.
"""
