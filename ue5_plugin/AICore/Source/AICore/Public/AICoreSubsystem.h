// UAICoreSubsystem: one AI Core runtime per game instance. Creates it (aicore.h), ticks it
// once per frame on the game thread, and routes events and commands through the engine
// glue's FrameDriver (cpp/engine_glue), the same code aicore-host runs in the tests.
#pragma once

#include "CoreMinimal.h"
#include "Subsystems/GameInstanceSubsystem.h"
#include "Tickable.h"

#include <memory>
#include <optional>

#include "aicore/aicore.h"
#include "aicore/engine_glue/frame_driver.h"

#include "AICoreSubsystem.generated.h"

class UAICoreNpcComponent;

UCLASS()
class AICORE_API UAICoreSubsystem : public UGameInstanceSubsystem, public FTickableGameObject
{
	GENERATED_BODY()

public:
	virtual void Initialize(FSubsystemCollectionBase& Collection) override;
	virtual void Deinitialize() override;

	// FTickableGameObject: once per frame, on the game thread.
	virtual void Tick(float DeltaTime) override;
	virtual ETickableTickType GetTickableTickType() const override;
	virtual bool IsTickable() const override;
	virtual TStatId GetStatId() const override;
	virtual UWorld* GetTickableGameObjectWorld() const override;

	/** Whether the runtime is up (false: Python could not start; NPCs stay on defaults). */
	UFUNCTION(BlueprintPure, Category = "AI Core")
	bool IsRunning() const { return Runtime != nullptr; }

	/** Makes the NPC speak a line by id: a custom event "say_line" for its script. */
	UFUNCTION(BlueprintCallable, Category = "AI Core")
	bool SayLine(UAICoreNpcComponent* Npc, const FString& LineId);

	/** A game-defined event for the scripts (custom), for one NPC or (Npc unset) for all. */
	UFUNCTION(BlueprintCallable, Category = "AI Core", meta = (AutoCreateRefTerm = "Data"))
	bool PushEvent(const FString& Name, UAICoreNpcComponent* Npc, const TMap<FString, FString>& Data);

	/** Saves NPC memory and story progress to a slot (a name, not a path). */
	UFUNCTION(BlueprintCallable, Category = "AI Core")
	bool Save(const FString& Slot);

	/** Loads a slot saved by Save (or "autosave"). */
	UFUNCTION(BlueprintCallable, Category = "AI Core")
	bool Load(const FString& Slot);

	/**
	 * Reads the story flag Name (a bool, int or string flag of the game's story files).
	 * bTruthy: true, non-zero or non-empty, as the story's own `requires` reads it; Value: 0 or 1
	 * for a bool, the int, 0 for a string; Text: "true"/"false", the int in decimal, or the
	 * string. False (outputs unchanged, the reason logged once per name) when no story declares
	 * it, the story is off or the runtime is not running. Takes the GIL: not for every frame.
	 */
	UFUNCTION(BlueprintPure, Category = "AI Core|Story")
	bool GetStoryFlag(const FString& Name, bool& bTruthy, int64& Value, FString& Text) const;

	/**
	 * Reloads every script changed since it loaded, now, between two frames (console:
	 * aicore.reload): NPCs keep their state and get on_reload; a broken script is logged with
	 * its file and line and its last good version runs on. Not running: starts the runtime.
	 */
	UFUNCTION(BlueprintCallable, Category = "AI Core")
	bool ReloadScripts();

	/** Restarts the runtime: content and scripts read again, NPC memory and story kept through
	    a save slot, NPCs claim their slots anew (console: aicore.restart). */
	void RestartRuntime();

	// For the components (game thread).
	bool RegisterNpc(UAICoreNpcComponent* Npc, const FString& Kind);
	void UnregisterNpc(UAICoreNpcComponent* Npc);
	aicore_runtime* GetRuntime() const { return Runtime.get(); }
	const aicore_world* GetWorldBuffers() const;
	/** The component driving the NPC in `Slot`, or null. */
	UAICoreNpcComponent* NpcInSlot(uint32 Slot) const;
	/** A voice component rendering this runtime: detached before it is destroyed. */
	void RegisterVoice(class UAICoreVoiceComponent* Voice);
	/** Builds the voice engine for the audio device's rate (game thread). */
	bool PrepareAudio(int32 SampleRate, int32 MaxBlockFrames);

private:
	struct FRuntimeDeleter
	{
		void operator()(aicore_runtime* Rt) const { aicore_runtime_destroy(Rt); }
	};
	class FCommandRouter;

	bool StartRuntime();
	void StopRuntime();
	void LogProblem(const aicore::glue::FrameProblem& Problem);
	bool ReportRefusal(const std::optional<aicore::glue::EventRejection>& Rejection);

	std::unique_ptr<aicore_runtime, FRuntimeDeleter> Runtime;
	std::optional<aicore::glue::FrameDriver> Driver;
	/** By slot: the component driving the NPC in it. */
	TArray<TWeakObjectPtr<UAICoreNpcComponent>> NpcsBySlot;
	TArray<TWeakObjectPtr<class UAICoreVoiceComponent>> Voices;
	/** Problems logged per frame step: the first few in full, then only counted. */
	TMap<uint8, int32> ProblemsLogged;
	bool bStartFailureLogged = false;
	/** Story flags whose failed read was logged (GetStoryFlag is pure: it must not flood the log). */
	mutable TSet<FString> StoryFlagFailuresLogged;
};
