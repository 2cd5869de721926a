"""Planted bugs ("mutants") that each function's own test file must catch; see run.py."""
