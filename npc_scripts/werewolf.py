"""The werewolf Aethelred owes a debt: a man by day, a hunter when the story's moon is up.
Charges what it sees, and circles back to its den when hurt.

Two models advise it each turn (``model``): the action model sends it back to its den
(``flee``) and, once it has lost sight of the player, after its scent (``stalk``, for as
long as a werewolf remembers); the mood model makes it snarl at a player who smells of
the broker (``angry``). Without them it hunts what it sees and nothing else."""

from engine_bridge.api import Event, Npc


class Werewolf(Npc):
    kind = "werewolf"
    archetype = "werewolf"
    decision_rate = 8.0  # a predator reacts fast
    model = ("npc_action", "npc_mood")

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
        decision = self.decision  # read once: each read looks the advice up
        advice = decision.action if decision is not None else None
        if self.health < 0.4 or advice == "flee":
            self.move_to(self.recall("den"), speed=6.0)
            return
        if not self.moon_is_up():
            return
        if self.sees_player:
            self.remember("scent", self.player_position)
            if self.player_distance < 2.0:
                self.attack("player")
            else:
                if self.mood != "hunting":
                    self.mood = "hunting"
                    self.say("werewolf_threat")
                    feeling = self.decision_of("npc_mood")
                    if feeling is not None and feeling.action == "angry":
                        self.emote("snarl")  # you smell of the broker
                self.move_to(self.player_position, speed=7.0)
        elif advice == "stalk" and self.recall("scent") is not None:
            self.move_to(tuple(self.recall("scent")), speed=3.5)  # nose to the ground
            self.emote("sniff")

    def on_event(self, event: Event) -> None:
        if event.type == "heard_noise":
            self.move_to(tuple(event.at), speed=5.0)
            self.emote("sniff")
        elif event.type == "damaged":
            self.emote("snarl")
