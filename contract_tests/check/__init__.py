"""`leadkit check FILE.har`: a recording's API traffic judged by the contract's rules."""
