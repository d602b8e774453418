"""Pilot log serving and cleaning."""
