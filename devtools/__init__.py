"""Development-only tools, installed when DEBUG is on: the demo, the simulator command, seeding."""
