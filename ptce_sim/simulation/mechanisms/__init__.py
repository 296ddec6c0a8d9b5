"""Mechanisms of the model: economy, labour market, funding, training, treasury, cooperation."""
