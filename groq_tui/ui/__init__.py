"""The Textual user interface: screens and widgets."""
