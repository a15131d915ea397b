"""The frame: the runtime the bridge drives, the scheduler, events, timers, budgets and the
world view. Runs on the game thread; never imports tooling."""
