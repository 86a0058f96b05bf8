"""Talking to a live deployment, for verify and replay: the target, one guarded session, the ledger, Ctrl-C, cleanup."""
