"""The web side: the worklist page for radiographers. It reads the journal and the
outbox and never writes either.
"""
