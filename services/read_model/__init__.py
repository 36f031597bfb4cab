"""The read model: SQLAlchemy tables written only by the projector."""
