"""leadkit's contract kit: the Leads API's contract as data, judged on every feed of traffic.

Its rooms, each importing only from the ones above it:

- core/      the contract as data: an exchange, the rule catalog, what the seed says a response holds, HAR files read
- engine/    exchanges judged: per exchange and across exchanges, and the one stream every feed feeds
- evidence/  what a run found, as one report model, written as text, JSON and HTML
- live/      talking to a deployment: target, guarded session, ledger, Ctrl-C, cleanup (verify and replay)
- verify/    `leadkit verify`: the pytest plugin, the hand-written checks (verify/checks/), Schemathesis
- check/     `leadkit check FILE.har`: a recording judged
- proxy/     `leadkit proxy`: a reverse proxy judging each exchange
- replay/    `leadkit replay`: a recorded session sent again and compared
"""
