"""ptce-sim: agent-based simulation of territorial economic cooperation poles (PTCE) on Mesa 3."""

__version__ = "0.1.0"
