"""Interfaces: the command line and the dashboard."""
