// UAICoreNpcComponent: puts its actor in the AI Core world. Claims a world-buffer slot
// (the glue's slot map, through the subsystem) for a script kind, writes the actor's
// transform and health there every frame, and applies the runtime's commands to it.
// Without a runtime (Python could not start) it claims nothing and the actor keeps its
// default behaviour.
#pragma once

#include "Components/ActorComponent.h"
#include "CoreMinimal.h"

#include <string>

#include "aicore/aicore.h"
#include "aicore/engine_glue/command_decoding.h"
#include "aicore/engine_glue/slot_map.h"

#include "AICoreNpcComponent.generated.h"

class UAICoreNpcComponent;

DECLARE_DYNAMIC_MULTICAST_DELEGATE_ThreeParams(FAICoreSaid, UAICoreNpcComponent*, Npc, const FString&, Text, const FString&, LineId);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_TwoParams(FAICoreEmoted, UAICoreNpcComponent*, Npc, FName, Emote);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_TwoParams(FAICoreAttack, UAICoreNpcComponent*, Npc, AActor*, Target);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_OneParam(FAICoreDespawn, UAICoreNpcComponent*, Npc);

UCLASS(ClassGroup = (AI), meta = (BlueprintSpawnableComponent))
class AICORE_API UAICoreNpcComponent : public UActorComponent
{
	GENERATED_BODY()

public:
	UAICoreNpcComponent();

	/** The script kind (npc_scripts/): "townsfolk", "vampire", ... */
	UPROPERTY(EditAnywhere, BlueprintReadOnly, Category = "AI Core")
	FString Kind;

	/** 0..1, written to the world buffer each frame; the game sets it. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "AI Core", meta = (ClampMin = "0.0", ClampMax = "1.0"))
	float Health = 1.0f;

	/** Perception flags for this frame (AICORE_PERCEIVES_PLAYER = 1, HEARS_NOISE = 2, IS_DAMAGED = 4). */
	UPROPERTY(BlueprintReadWrite, Category = "AI Core")
	int32 Perception = 0;

	/** A `say` command: show the subtitle (the voice plays through UAICoreVoiceComponent). */
	UPROPERTY(BlueprintAssignable, Category = "AI Core")
	FAICoreSaid OnSay;
	/** An `emote` command: play the animation. */
	UPROPERTY(BlueprintAssignable, Category = "AI Core")
	FAICoreEmoted OnEmote;
	/** An `attack` command: the target is the player's pawn or another NPC's actor. */
	UPROPERTY(BlueprintAssignable, Category = "AI Core")
	FAICoreAttack OnAttack;
	/** A `despawn` command: the game removes the actor (the slot is freed already). */
	UPROPERTY(BlueprintAssignable, Category = "AI Core")
	FAICoreDespawn OnDespawn;

	UFUNCTION(BlueprintPure, Category = "AI Core")
	bool HasSlot() const { return bHasSlot; }

	// For the subsystem (game thread).
	void ClaimSlot();
	void OnSlotClaimed(aicore::glue::NpcHandle InHandle);
	void OnReleasedByRuntime();
	aicore::glue::NpcHandle GetHandle() const { return Handle; }
	void WriteWorldState(const aicore_world& World) const;
	/** Applies one command; "" when done, else why not (the glue's CommandTarget contract). */
	std::string ApplyCommand(const aicore::glue::Command& Command);

protected:
	virtual void BeginPlay() override;
	virtual void EndPlay(const EEndPlayReason::Type Reason) override;

private:
	class UAICoreSubsystem* GetAICore() const;
	void MoveTo(const FVector& Target, float SpeedMps);

	aicore::glue::NpcHandle Handle;
	bool bHasSlot = false;
};
