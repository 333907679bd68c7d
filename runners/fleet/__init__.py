"""The fleet as a whole: what a team's runners add up to."""
