"""Configuration: the scenario as typed data, reading scenario files, overrides."""
