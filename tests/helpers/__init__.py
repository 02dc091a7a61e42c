"""Helpers shared by test modules (test modules never import from one another)."""
