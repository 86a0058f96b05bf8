"""The `leadkit` command: one home above the mock and the kit, so neither imports the other's command line."""
