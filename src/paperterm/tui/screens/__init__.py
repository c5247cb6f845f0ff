"""The reader's modal screens: help, note editor, export dialog."""
