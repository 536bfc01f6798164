"""Home-exercise check-ins, adherence and its effect on pain (issue 6)."""
