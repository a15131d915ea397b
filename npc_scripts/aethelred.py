"""Aethelred, the body broker: buys the dead, sells them to worse things, and keeps the
ledger that is the story. He drives the story's beats and answers questions from the lore."""

from engine_bridge.api import Event, Npc


class Aethelred(Npc):
    kind = "aethelred"
    archetype = "ghoul"  # something is not quite right with his voice
    decision_rate = 4.0

    def on_spawn(self) -> None:
        self.mood = "mercantile"
        if self.recall("bodies_bought") is None:  # remembered across saves and restarts
            self.remember("bodies_bought", 0)

    def on_tick(self, dt: float) -> None:
        if self.sees_player and self.player_distance < 6.0 and not self.recall("greeted"):
            self.remember("greeted", True)
            if not self.speak("greeting", player="stranger"):
                self.say("broker_greeting", intensity=0.15)

    def on_event(self, event: Event) -> None:
        if event.type == "custom" and event.name == "body_offered":
            bought = self.recall("bodies_bought") + 1
            self.remember("bodies_bought", bought)
            self.say("broker_appraise" if bought % 2 else "broker_haggle", intensity=0.15)
            self.tell("ghoul", "body_delivered", seller="aethelred")
        elif event.type == "custom" and event.name == "ask":
            # A question in the player's words: answered from the lore, never made up.
            question = str(event.data.get("data", {}).get("about", ""))
            hits = self.kb.search(question, limit=1) if self.kb is not None else []
            self.say(
                hits[0].snippet.replace("[", "").replace("]", "")
                if hits
                else "I don't deal in rumours.",
                intensity=0.15,
            )
