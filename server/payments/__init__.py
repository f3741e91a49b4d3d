"""Receivables, journal, providers, GiroCode, bank statements."""
