"""API endpoints for e-mail: mail in, and the files it brought."""
