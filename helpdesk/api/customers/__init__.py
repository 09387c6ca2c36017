"""API endpoints for customers."""
