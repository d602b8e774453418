"""Factory-side monitor plugins (category ``monitor``)."""
