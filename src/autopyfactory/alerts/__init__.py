"""Alerts to the people who must act: mail to ``factoryAdminEmail`` through ``factorySMTPServer``
and a message on the affected queues' monitor labels, at most once per problem per
``factoryMinEmailRepeatSeconds``."""
