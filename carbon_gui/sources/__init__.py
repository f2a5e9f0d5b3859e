"""Where data comes from: bundled reference files now, live providers later. No Qt here."""
