"""Config plugin ``CRIC`` (alias ``Agis``): APF queue sections from the central queue configuration."""
