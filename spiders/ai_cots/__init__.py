"""The ai_cots source: spider, items, staging DDL, build step and README."""
