"""Hostile servers and files (issue 19): each fault a test, each outcome stored, rejected or stopped with one line."""
