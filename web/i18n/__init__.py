"""Words for people in the caller's language: the one place in ``web/`` that
turns error codes, parameters and enumeration codes into Chinese or English."""
