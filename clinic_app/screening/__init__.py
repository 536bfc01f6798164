"""Red-flag screening with escalation, and the STarT Back Screening Tool (issue 15)."""
