"""The ``rectify`` command line (see CONTRACT.md)."""
