# A loop at the top level never ends: the game would freeze loading it.
# (One line: the whole loop is on the line reported.)
while True: ticks = 1  # expect: load-timeout
