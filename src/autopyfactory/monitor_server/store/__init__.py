"""Data access, one module per resource; functions take an open Connection and return records."""
