"""Client side of catscan (CLI, tests, benchmarks): the same code for the local cloud and AWS."""
