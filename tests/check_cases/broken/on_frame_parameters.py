def on_frame(runtime):  # expect: hook-parameters
    pass
