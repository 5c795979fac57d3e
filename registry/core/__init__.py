"""The registry's core: what both the spiders and the build import, and which imports neither.

paths (where files live), parse (validators), store (the staging store), runs (crawl_runs), readonly
(read-only SQL), sqltext (SQL literals). Dependencies point one way: core <- spiders <- build <- dashboard;
tests/test_import_layers.py fails if an import points the other way or closes a cycle.
"""
