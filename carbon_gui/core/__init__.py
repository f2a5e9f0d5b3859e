"""Pure domain logic: no Qt, no network, no disk (data is handed in)."""
