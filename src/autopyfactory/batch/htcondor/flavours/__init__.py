"""The HTCondor submit flavours, one per 2.4 plugin (``batchsubmitplugin = CondorOSGCE`` ...)."""
