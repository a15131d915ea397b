"""Content systems: story, dialogue, lore (knowledge), voice clips and the content overlay
layers. Content never calls the core; the core starts these systems (systems.py)."""
