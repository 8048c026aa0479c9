"""Everything pytest-specific beyond option registration, loaded only with ``--agenttrace``."""
