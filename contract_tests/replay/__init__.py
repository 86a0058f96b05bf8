"""`leadkit replay`: a recorded session (HAR) sent again to a deployment and compared, step by step, by meaning.

`plan.py` reads the recording into steps, `runner.py` sends them through the kit's guarded
session, `compare.py` says how an answer departs from the recorded one, `session.py` runs it
all with cleanup and renders the result.
"""
