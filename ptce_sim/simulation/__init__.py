"""Simulation: the model, its state tables, agents, mechanisms, metrics and invariants."""
