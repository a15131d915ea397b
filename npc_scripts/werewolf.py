"""The werewolf Aethelred owes a debt: a man by day, a hunter when the story's moon is up.
Charges what it sees, and circles back to its den when hurt."""

from engine_bridge.api import Event, Npc


class Werewolf(Npc):
    kind = "werewolf"
    archetype = "werewolf"
    decision_rate = 8.0  # a predator reacts fast

    def on_spawn(self) -> None:
        self.remember("den", self.position)
        self.mood = "restless"

    def moon_is_up(self) -> bool:
        story = self.story
        try:
            return bool(story is not None and story.flag("full_moon"))
        except KeyError:
            return True

    def on_tick(self, dt: float) -> None:
        if self.health < 0.4:
            self.move_to(self.recall("den"), speed=6.0)
            return
        if not self.moon_is_up():
            return
        if self.sees_player:
            if self.player_distance < 2.0:
                self.attack("player")
            else:
                if self.mood != "hunting":
                    self.mood = "hunting"
                    self.say("werewolf_threat")
                self.move_to(self.player_position, speed=7.0)

    def on_event(self, event: Event) -> None:
        if event.type == "heard_noise":
            self.move_to(tuple(event.at), speed=5.0)
            self.emote("sniff")
        elif event.type == "damaged":
            self.emote("snarl")
