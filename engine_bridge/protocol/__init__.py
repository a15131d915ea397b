"""Events in and commands out: the one schema (schema.toml) and the validator built from it.
Depends on nothing of ours; the build runs schema.py to generate the C++ header."""
