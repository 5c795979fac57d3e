"""The lda source: its spider, items, staging DDL, build step, schema and README, in one folder."""
