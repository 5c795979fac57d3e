"""Loaders for files a user (or a spider) already has on disk: DuckDB reads them, not Python loops."""
