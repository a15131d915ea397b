from engine_bridge.api import Event, Npc


class Waiter(Npc):
    kind = "handler_async"

    async def on_event(self, event: Event) -> None:  # expect: handler-async
        pass
