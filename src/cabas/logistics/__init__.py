"""Pooled transport: sites, vehicles, rounds planned with PyVRP, their cost and its fair split."""
