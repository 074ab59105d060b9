"""groq-tui: a terminal chat and audio workstation for the Groq API."""

__version__ = "0.1.0"
