"""Measurement drivers (`make bench`, `make reliability`): figures, not assertions. Kept beside the code,
outside the installed catscan package; they drive the local cloud through catscan.client."""
