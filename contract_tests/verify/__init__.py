"""`leadkit verify`: the kit as a pytest session: its plugin, its hand-written checks and the Schemathesis phase."""
