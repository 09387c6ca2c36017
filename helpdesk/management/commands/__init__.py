"""Management commands that compose several apps."""
