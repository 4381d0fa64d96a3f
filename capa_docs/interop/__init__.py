"""Talking to other tools: reading spreadsheets (CSV, XLSX), importing them as
findings, exporting the register as CSV, JSON or an OSCAL POA&M with its risk log.

May import the contract, git and the register; never the gate or the site. CSV and JSON
come from ``register.data``, so an export and the site's downloads are the same bytes.
"""
