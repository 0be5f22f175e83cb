"""Bulk files of catalog versions: reading xlsx/csv with row errors, writing xlsx/csv."""
