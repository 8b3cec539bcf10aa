"""PAI Verify: issues and verifies Production AI Institute credentials."""

__version__ = "0.1.0"
