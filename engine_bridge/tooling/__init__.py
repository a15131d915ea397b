"""Tools for people: the aicore CLI, aicore check, doctor, the demo, the debugger. Nothing in
the frame imports this room, so a shipped game can leave it out."""
