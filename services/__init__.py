"""Application services: command handlers, projections, queries, composition root."""
