# expect-file: load-timeout
while True:
    pass
