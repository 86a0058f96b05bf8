"""The contract as data: one exchange, the rules by id, the seed's words and formats, HAR files read; no framework."""
