"""What a run found, as one report model: rule results, evidence, coverage; written as text, JSON and HTML."""
