"""Plugin interfaces (one file per category) and the entry-point registry."""
