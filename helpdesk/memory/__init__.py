"""The memory layer: one small interface, two backends (embedded engine, EverMemOS)."""
