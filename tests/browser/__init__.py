"""Browser tests of the demo pages, and the production-like server they and bench/ use."""
