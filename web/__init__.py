"""Edges that people and other systems use: the command line and (soon) HTTP."""
