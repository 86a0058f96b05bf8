"""The hand-written checks `leadkit verify` and `pytest --pyargs contract_tests` run, one rule each."""
