"""Runtime core the generated registry packages stand on."""
