"""The cycle engine: one factory process deciding for every queue, cycle after cycle."""
