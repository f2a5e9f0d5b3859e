"""The Hardware tab (Ctrl+5): benchmark, load, fit and optimise which hardware and configuration to use."""
