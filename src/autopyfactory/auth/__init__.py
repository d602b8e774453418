"""The auth manager: credential profiles from ``auth.conf`` (or 2.4.10's ``proxy.conf``) with X509,
SSH and GSISSH handlers, looked up by submit plugins and checked in a background thread."""
