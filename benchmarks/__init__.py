"""The benchmark suite (issue #2): ``python -m benchmarks [commands|projection|demo|all] [--quick]``."""
