"""Build steps for the linked public-record sources (SAM.gov notices, FPDS actions, lobbying filings).

Each module turns its staging table into registry tables and public views, and contributes rows to the
cross-source `links` table (see docs/sources.md for the contract).
"""
