"""Backfill: retroactive scans of stored transcripts against a list that gained terms."""
