#include "AICoreVoiceComponent.h"

#include "AICoreModule.h"
#include "AICoreSubsystem.h"
#include "Engine/GameInstance.h"
#include "Engine/World.h"
#include "HAL/PlatformProcess.h"

UAICoreVoiceComponent::UAICoreVoiceComponent(const FObjectInitializer& ObjectInitializer)
	: Super(ObjectInitializer)
{
	NumChannels = 2;  // the voice engine's stereo mix
}

bool UAICoreVoiceComponent::Init(int32& SampleRate)
{
	NumChannels = 2;
	const UWorld* World = GetWorld();
	UGameInstance* Instance = World != nullptr ? World->GetGameInstance() : nullptr;
	UAICoreSubsystem* AICore = Instance != nullptr ? Instance->GetSubsystem<UAICoreSubsystem>() : nullptr;
	DeviceSampleRate = SampleRate;
	Left.SetNumZeroed(MaxBlockFrames);
	Right.SetNumZeroed(MaxBlockFrames);
	if (AICore != nullptr)
	{
		AICore->RegisterVoice(this);
		AttachRuntime(*AICore);
	}
	return true;  // without a runtime the component plays silence; the game is unaffected
}

void UAICoreVoiceComponent::AttachRuntime(UAICoreSubsystem& AICore)
{
	if (AICore.PrepareAudio(DeviceSampleRate, MaxBlockFrames))
	{
		RenderRuntime.store(AICore.GetRuntime(), std::memory_order_seq_cst);
	}
}

void UAICoreVoiceComponent::DetachRuntime()
{
	// Render must not outlive the runtime (aicore.h): unpublish it, then wait out a render
	// already under way (one audio block, a few milliseconds at most). seq_cst on both sides:
	// a render that starts after the store sees nullptr.
	RenderRuntime.store(nullptr, std::memory_order_seq_cst);
	while (bRendering.load(std::memory_order_seq_cst))
	{
		FPlatformProcess::Yield();
	}
}

int32 UAICoreVoiceComponent::OnGenerateAudio(float* OutAudio, int32 NumSamples)
{
	// Audio render thread: nothing here allocates, locks, logs or touches a UObject.
	bRendering.store(true, std::memory_order_seq_cst);
	aicore_runtime* Rt = RenderRuntime.load(std::memory_order_seq_cst);
	const int32 Frames = NumSamples / 2;
	int32 Done = 0;
	while (Rt != nullptr && Done < Frames)
	{
		const int32 Block = FMath::Min(Frames - Done, MaxBlockFrames);
		// AICORE_BUSY (a re-prepare swapping engines) wrote silence: that is what plays.
		aicore_audio_render(Rt, Left.GetData(), Right.GetData(), static_cast<uint32_t>(Block));
		for (int32 Frame = 0; Frame < Block; ++Frame)
		{
			OutAudio[(Done + Frame) * 2 + 0] = Left[Frame];
			OutAudio[(Done + Frame) * 2 + 1] = Right[Frame];
		}
		Done += Block;
	}
	for (int32 Sample = Done * 2; Sample < NumSamples; ++Sample)
	{
		OutAudio[Sample] = 0.0f;
	}
	bRendering.store(false, std::memory_order_seq_cst);
	return NumSamples;
}

void UAICoreVoiceComponent::OnUnregister()
{
	DetachRuntime();
	Super::OnUnregister();
}
