"""The scriptable command line (``groq-tui chat | models | transcribe | translate``)."""
