"""OneMap Copilot application core: settings, wiring, retrieval and the CLI."""
