"""Level 1 (``frame_cleaning``) in pieces: sampling, tracking, classification, rules, render.

The heavy work runs in a child process (:mod:`adapters.cleaning.budget`) so that a hard
deadline can end it, whatever Ollama or the OCR engine do.
"""
