"""The embedded memory engine: ranking, extraction and storage on the project's database."""
