"""Orchestration without Textual: chat, compare, dictation. Unit-testable on their own."""
