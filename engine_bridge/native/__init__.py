"""The native parts seen from Python: where libaicore and aicore-host are installed, the
ctypes mirror of the C ABI, and the compiled watchdog helper (_guard)."""
