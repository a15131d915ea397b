"""Designers' scripts: loading them (script host, allowed imports), hot reload, the services
an NPC acts through, NPC memory, failure reports and the memory watch."""
