"""Regulation reader, emitters, migrator and the command line."""
