"""Hierarchies of series: the tree and its summing matrix (structure), reconciliation methods."""
