"""Runs: the model as a function of its inputs, result files, reruns, resilience measures."""
