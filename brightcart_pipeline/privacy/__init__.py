"""Privacy: keys for data at rest, deletion requests, consent and retention."""
