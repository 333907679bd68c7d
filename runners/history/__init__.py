"""History: what every fetch recorded, rolled up, kept, pruned and read back for pages."""
