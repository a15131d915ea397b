// UAICoreVoiceComponent: the AI Core voice engine as a UE audio source. A USynthComponent
// whose OnGenerateAudio runs on the audio render thread and calls aicore_audio_render
// (real-time safe: no allocation, no lock, no Python). One per level is enough: the voice
// engine mixes every NPC's lines itself (docs/ue5.md, "Living beside the audio mixer").
#pragma once

#include "Components/SynthComponent.h"
#include "CoreMinimal.h"

#include <atomic>

#include "aicore/aicore.h"

#include "AICoreVoiceComponent.generated.h"

UCLASS(ClassGroup = (AI), meta = (BlueprintSpawnableComponent))
class AICORE_API UAICoreVoiceComponent : public USynthComponent
{
	GENERATED_BODY()

public:
	UAICoreVoiceComponent(const FObjectInitializer& ObjectInitializer);

	/** Game thread: stops rendering `the runtime` and waits out a render under way, so the
	    runtime can be destroyed (aicore.restart, the end of Play-In-Editor). */
	void DetachRuntime();
	/** Game thread: prepares the new runtime's voice engine and renders it. */
	void AttachRuntime(class UAICoreSubsystem& AICore);

protected:
	// Game thread: builds the voice engine for the device's rate (aicore_audio_prepare).
	virtual bool Init(int32& SampleRate) override;
	// Audio render thread.
	virtual int32 OnGenerateAudio(float* OutAudio, int32 NumSamples) override;
	virtual void OnUnregister() override;

private:
	static constexpr int32 MaxBlockFrames = 1024;
	int32 DeviceSampleRate = 48000;

	/** Published by the game thread, read by the audio thread: the runtime to render. */
	std::atomic<aicore_runtime*> RenderRuntime{nullptr};
	/** True while OnGenerateAudio runs: teardown waits for it (game thread only). */
	std::atomic<bool> bRendering{false};
	// Planar scratch, sized in Init (game thread) so the audio thread never allocates.
	TArray<float> Left;
	TArray<float> Right;
};
