"""Agents of the model: persons, classic firms, ESS structures (authorities live with funding)."""
