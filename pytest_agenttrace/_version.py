"""Version of pytest-agenttrace; recorded in every fixture an import writes."""

__version__ = "0.1.0"
