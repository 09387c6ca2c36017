"""The public demo data shipped with the project, and the code that loads it."""
