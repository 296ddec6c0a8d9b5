"""Studies: experiments, batches, sensitivity, comparisons, validation and their reports."""
