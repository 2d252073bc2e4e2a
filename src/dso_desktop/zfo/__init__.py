"""ZFO: parse, verify, produce and safely extract ISDS signed data messages (no Qt)."""
