"""Job functions and the worker and scheduler entry points."""
