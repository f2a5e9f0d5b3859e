"""Training jobs: launch, monitor, cancel and clean up — one path for the window and the CLI (no Qt)."""
