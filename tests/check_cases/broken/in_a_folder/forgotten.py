# expect-file: not-loaded
