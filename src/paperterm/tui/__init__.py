"""The interactive reader (Textual). The only package that imports Textual.

Entry point: ``paperterm.tui.app.create_app``. The pure bookkeeping the screens rely on (which
papers a view shows and in what order, marker changes and their undo) lives in modules here that do
not import Textual themselves (``ordering``, ``triage``, ``undo``), so it can be tested without a
terminal.
"""
