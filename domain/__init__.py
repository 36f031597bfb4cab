"""The rectification domain: aggregates, their events and pure rules.

Imports only the standard library and ``eventsourcing.domain`` (enforced by
``tests/unit/test_architecture.py``).
"""
