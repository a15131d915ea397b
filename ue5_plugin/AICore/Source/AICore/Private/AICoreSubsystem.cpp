#include "AICoreSubsystem.h"

#include "AICoreModule.h"
#include "AICoreNpcComponent.h"
#include "AICoreVoiceComponent.h"
#include "Engine/GameInstance.h"
#include "Engine/World.h"
#include "GameFramework/Pawn.h"
#include "GameFramework/PlayerController.h"
#include "Misc/Paths.h"

#include <string>
#include <vector>

namespace
{
constexpr int32 MaxProblemsLoggedPerStep = 5;  // then only counted: a broken script must not flood the log

std::string Utf8(const FString& Text)
{
	return std::string(TCHAR_TO_UTF8(*Text));
}
}

// Hands the decoded commands to the NPC components (by slot), and removes the NPCs whose
// slots a script freed.
class UAICoreSubsystem::FCommandRouter final : public aicore::glue::CommandTarget
{
public:
	explicit FCommandRouter(UAICoreSubsystem& InOwner) : Owner(InOwner) {}

	std::string apply(aicore::glue::NpcHandle Npc, const aicore::glue::Command& Command) override
	{
		UAICoreNpcComponent* Component = Owner.NpcsBySlot.IsValidIndex(Npc.slot) ? Owner.NpcsBySlot[Npc.slot].Get() : nullptr;
		if (Component == nullptr)
		{
			return std::string(aicore::glue::commandTypeName(Command.type)) + ": the NPC's actor is gone";
		}
		return Component->ApplyCommand(Command);
	}

	void removed(aicore::glue::NpcHandle Npc) override
	{
		if (Owner.NpcsBySlot.IsValidIndex(Npc.slot))
		{
			if (UAICoreNpcComponent* Component = Owner.NpcsBySlot[Npc.slot].Get())
			{
				Component->OnReleasedByRuntime();
			}
			Owner.NpcsBySlot[Npc.slot].Reset();
		}
	}

private:
	UAICoreSubsystem& Owner;
};

void UAICoreSubsystem::Initialize(FSubsystemCollectionBase& Collection)
{
	Super::Initialize(Collection);
	StartRuntime();
}

void UAICoreSubsystem::Deinitialize()
{
	// Play-In-Editor ends here: the runtime and its threads go, the interpreter stays for
	// the next session's create (aicore.h). The voice components stop rendering first
	// (UAICoreVoiceComponent::OnUnregister), so no render outlives the handle.
	StopRuntime();
	Super::Deinitialize();
}

bool UAICoreSubsystem::StartRuntime()
{
	if (!FAICoreModule::IsLibraryReady())
	{
		return false;  // the module logged why, once
	}
	const FString RuntimeDir = FAICoreModule::RuntimeDir();
	const std::string Content = Utf8(FPaths::Combine(RuntimeDir, TEXT("content")));
	const std::string Scripts = Utf8(FPaths::Combine(RuntimeDir, TEXT("npc_scripts")));
	const std::string PythonHome = Utf8(FPaths::Combine(RuntimeDir, TEXT("python")));
	const std::string SaveDir = Utf8(FPaths::Combine(FPaths::ProjectSavedDir(), TEXT("AICore")));
	const char* ScriptDirs[] = {Scripts.c_str()};

	aicore_runtime_config Config;
	aicore_runtime_config_init(&Config);
	Config.content_root = Content.c_str();
	Config.script_dirs = ScriptDirs;
	Config.script_dir_count = 1;
	Config.python_home = PythonHome.c_str();
	Config.save_dir = SaveDir.c_str();
	// Called on the thread that produced the message (the game thread, or a runtime worker:
	// clip loader, script watcher, store writer): UE_LOG is safe from any thread.
	Config.log = [](void*, int Level, const char* Message)
	{
		if (Level >= AICORE_LOG_ERROR)
		{
			UE_LOG(LogAICore, Error, TEXT("%s"), UTF8_TO_TCHAR(Message));
		}
		else if (Level >= AICORE_LOG_WARNING)
		{
			UE_LOG(LogAICore, Warning, TEXT("%s"), UTF8_TO_TCHAR(Message));
		}
		else
		{
			UE_LOG(LogAICore, Log, TEXT("%s"), UTF8_TO_TCHAR(Message));
		}
	};

	aicore_runtime* Created = nullptr;
	const aicore_result Result = aicore_runtime_create(&Config, &Created);
	if (Result != AICORE_OK)
	{
		// Python failing to start is one error, once; the game runs on and every NPC keeps
		// its default behaviour (its component claims no slot).
		if (!bStartFailureLogged)
		{
			UE_LOG(LogAICore, Error, TEXT("AI Core runtime did not start (%s): %s. NPCs run on their defaults."),
				UTF8_TO_TCHAR(aicore_result_string(Result)), UTF8_TO_TCHAR(aicore_last_create_error()));
			bStartFailureLogged = true;
		}
		return false;
	}
	Runtime.reset(Created);
	auto Started = aicore::glue::FrameDriver::start(Runtime.get());
	if (!Started.driver)
	{
		LogProblem(*Started.problem);
		Runtime.reset();
		return false;
	}
	Driver.emplace(std::move(*Started.driver));
	NpcsBySlot.SetNum(static_cast<int32>(Driver->world().capacity));
	for (uint32_t Index = 0; Index < aicore_runtime_content_problem_count(Runtime.get()); ++Index)
	{
		aicore_content_problem Problem{};
		if (aicore_runtime_content_problem(Runtime.get(), Index, &Problem) == AICORE_OK)
		{
			UE_LOG(LogAICore, Warning, TEXT("content problem (%s) %s:%u: %s"), UTF8_TO_TCHAR(Problem.system),
				UTF8_TO_TCHAR(Problem.file != nullptr ? Problem.file : ""), Problem.line, UTF8_TO_TCHAR(Problem.reason));
		}
	}
	return true;
}

void UAICoreSubsystem::RegisterVoice(UAICoreVoiceComponent* Voice)
{
	Voices.AddUnique(Voice);
}

void UAICoreSubsystem::StopRuntime()
{
	// The audio thread lets go first: aicore_audio_render must not outlive the handle.
	for (const TWeakObjectPtr<UAICoreVoiceComponent>& Voice : Voices)
	{
		if (UAICoreVoiceComponent* Component = Voice.Get())
		{
			Component->DetachRuntime();
		}
	}
	for (TWeakObjectPtr<UAICoreNpcComponent>& Npc : NpcsBySlot)
	{
		if (UAICoreNpcComponent* Component = Npc.Get())
		{
			Component->OnReleasedByRuntime();
		}
	}
	NpcsBySlot.Reset();
	Driver.reset();
	Runtime.reset();  // aicore_runtime_destroy: stops its threads, detaches the log callback
}

bool UAICoreSubsystem::ReloadScripts()
{
	if (Runtime == nullptr)
	{
		return StartRuntime();  // Python failed to start before: this is the retry
	}
	// The runtime's own hot reload, at once: no restart, so NPCs keep their slots and state.
	uint32_t Reloaded = 0;
	const aicore_result Result = aicore_scripts_reload(Runtime.get(), &Reloaded);
	if (Result == AICORE_SCRIPT_ERROR)
	{
		UE_LOG(LogAICore, Warning, TEXT("aicore.reload: %u script(s) reloaded; %s"), Reloaded,
			UTF8_TO_TCHAR(aicore_runtime_last_error(Runtime.get())));
		return false;
	}
	if (Result != AICORE_OK)
	{
		UE_LOG(LogAICore, Error, TEXT("aicore.reload: %s: %s"), UTF8_TO_TCHAR(aicore_result_string(Result)),
			UTF8_TO_TCHAR(aicore_runtime_last_error(Runtime.get())));
		return false;
	}
	UE_LOG(LogAICore, Log, TEXT("aicore.reload: %u script(s) reloaded"), Reloaded);
	return true;
}

void UAICoreSubsystem::RestartRuntime()
{
	if (Runtime == nullptr)
	{
		StartRuntime();
		return;
	}
	// Content (story, dialogue, voice lines) is read only at create: a restart reads it and
	// every script again. Memory and story cross it in a save slot; NPCs claim their slots anew.
	constexpr const char* ReloadSlot = "aicore_reload";
	const bool bSaved = aicore_save(Runtime.get(), ReloadSlot) == AICORE_OK;
	if (!bSaved)
	{
		UE_LOG(LogAICore, Warning, TEXT("aicore.restart: NPC memory is not kept: %s"), UTF8_TO_TCHAR(aicore_runtime_last_error(Runtime.get())));
	}
	TArray<TWeakObjectPtr<UAICoreNpcComponent>> Npcs = NpcsBySlot;
	StopRuntime();
	if (!StartRuntime())
	{
		return;
	}
	for (const TWeakObjectPtr<UAICoreNpcComponent>& Npc : Npcs)
	{
		if (UAICoreNpcComponent* Component = Npc.Get())
		{
			Component->ClaimSlot();
		}
	}
	for (const TWeakObjectPtr<UAICoreVoiceComponent>& Voice : Voices)
	{
		if (UAICoreVoiceComponent* Component = Voice.Get())
		{
			Component->AttachRuntime(*this);
		}
	}
	if (bSaved && aicore_load(Runtime.get(), ReloadSlot) != AICORE_OK)
	{
		UE_LOG(LogAICore, Warning, TEXT("aicore.restart: %s"), UTF8_TO_TCHAR(aicore_runtime_last_error(Runtime.get())));
	}
	UE_LOG(LogAICore, Log, TEXT("aicore.restart: content and scripts read again"));
}

bool UAICoreSubsystem::RegisterNpc(UAICoreNpcComponent* Npc, const FString& Kind)
{
	if (!Driver || Npc == nullptr)
	{
		return false;
	}
	const std::string KindUtf8 = Utf8(Kind);
	const aicore::glue::Spawned Spawned = Driver->spawn(KindUtf8.c_str());
	if (!Spawned.npc)
	{
		LogProblem(*Spawned.problem);
		return false;
	}
	NpcsBySlot[static_cast<int32>(Spawned.npc->slot)] = Npc;
	Npc->OnSlotClaimed(*Spawned.npc);
	return true;
}

void UAICoreSubsystem::UnregisterNpc(UAICoreNpcComponent* Npc)
{
	if (!Driver || Npc == nullptr || !Npc->HasSlot())
	{
		return;
	}
	const aicore::glue::NpcHandle Handle = Npc->GetHandle();
	if (NpcsBySlot.IsValidIndex(Handle.slot))
	{
		NpcsBySlot[Handle.slot].Reset();
	}
	if (const std::optional<aicore::glue::FrameProblem> Problem = Driver->despawn(Handle))
	{
		LogProblem(*Problem);
	}
}

const aicore_world* UAICoreSubsystem::GetWorldBuffers() const
{
	return Driver ? &Driver->world() : nullptr;
}

UAICoreNpcComponent* UAICoreSubsystem::NpcInSlot(uint32 Slot) const
{
	return NpcsBySlot.IsValidIndex(static_cast<int32>(Slot)) ? NpcsBySlot[static_cast<int32>(Slot)].Get() : nullptr;
}

bool UAICoreSubsystem::PrepareAudio(int32 SampleRate, int32 MaxBlockFrames)
{
	if (Runtime == nullptr)
	{
		return false;
	}
	const aicore_result Result = aicore_audio_prepare(Runtime.get(), static_cast<double>(SampleRate), static_cast<uint32_t>(MaxBlockFrames));
	if (Result != AICORE_OK)
	{
		UE_LOG(LogAICore, Error, TEXT("aicore_audio_prepare(%d Hz, %d frames): %s"), SampleRate, MaxBlockFrames,
			UTF8_TO_TCHAR(aicore_runtime_last_error(Runtime.get())));
		return false;
	}
	return true;
}

void UAICoreSubsystem::Tick(float DeltaTime)
{
	if (!Driver)
	{
		return;
	}
	// The world buffers first: the scripts read this frame's positions through numpy views.
	const aicore_world& World = Driver->world();
	for (const TWeakObjectPtr<UAICoreNpcComponent>& Npc : NpcsBySlot)
	{
		if (UAICoreNpcComponent* Component = Npc.Get())
		{
			Component->WriteWorldState(World);
		}
	}
	if (const APlayerController* Player = GetGameInstance()->GetFirstLocalPlayerController())
	{
		if (const APawn* Pawn = Player->GetPawn())
		{
			const FVector Where = Pawn->GetActorLocation() / 100.0;  // UE centimetres -> metres
			World.player_position[0] = static_cast<float>(Where.X);
			World.player_position[1] = static_cast<float>(Where.Y);
			World.player_position[2] = static_cast<float>(Where.Z);
		}
	}
	FCommandRouter Router(*this);
	const aicore::glue::FrameOutcome& Outcome = Driver->runFrame(static_cast<double>(DeltaTime), Router);
	for (const aicore::glue::FrameProblem& Problem : Outcome.problems)
	{
		LogProblem(Problem);
	}
}

ETickableTickType UAICoreSubsystem::GetTickableTickType() const
{
	// The class default object never ticks; instances do whenever IsTickable says so.
	return IsTemplate() ? ETickableTickType::Never : ETickableTickType::Conditional;
}

bool UAICoreSubsystem::IsTickable() const
{
	return Driver.has_value();
}

TStatId UAICoreSubsystem::GetStatId() const
{
	RETURN_QUICK_DECLARE_CYCLE_STAT(UAICoreSubsystem, STATGROUP_Tickables);
}

UWorld* UAICoreSubsystem::GetTickableGameObjectWorld() const
{
	return GetGameInstance() != nullptr ? GetGameInstance()->GetWorld() : nullptr;
}

void UAICoreSubsystem::LogProblem(const aicore::glue::FrameProblem& Problem)
{
	int32& Logged = ProblemsLogged.FindOrAdd(static_cast<uint8>(Problem.step));
	if (Logged >= MaxProblemsLoggedPerStep)
	{
		return;
	}
	++Logged;
	UE_LOG(LogAICore, Warning, TEXT("%s: %s%s"), UTF8_TO_TCHAR(aicore::glue::frameStepName(Problem.step)),
		UTF8_TO_TCHAR(Problem.reason.c_str()), Logged == MaxProblemsLoggedPerStep ? TEXT(" (further ones of this step not logged)") : TEXT(""));
}

bool UAICoreSubsystem::ReportRefusal(const std::optional<aicore::glue::EventRejection>& Rejection)
{
	if (!Rejection)
	{
		return true;
	}
	if (Rejection->problem == aicore::glue::EventProblem::BatchFull && Driver)
	{
		if (const std::optional<aicore::glue::FrameProblem> Problem = Driver->pushQueuedEvents())
		{
			LogProblem(*Problem);
		}
		return false;  // the caller adds again into the emptied batch
	}
	UE_LOG(LogAICore, Warning, TEXT("event not sent: %s"), UTF8_TO_TCHAR(Rejection->reason.c_str()));
	return false;
}

bool UAICoreSubsystem::SayLine(UAICoreNpcComponent* Npc, const FString& LineId)
{
	if (!Driver || Npc == nullptr || !Npc->HasSlot())
	{
		return false;
	}
	const aicore::glue::CustomValue Data[] = {{"line", Utf8(LineId)}};
	for (int32 Attempt = 0; Attempt < 2; ++Attempt)
	{
		if (ReportRefusal(Driver->events().custom("say_line", Npc->GetHandle().slot, Data)))
		{
			return true;
		}
	}
	return false;
}

bool UAICoreSubsystem::PushEvent(const FString& Name, UAICoreNpcComponent* Npc, const TMap<FString, FString>& Data)
{
	if (!Driver)
	{
		return false;
	}
	std::vector<aicore::glue::CustomValue> Values;
	Values.reserve(static_cast<size_t>(Data.Num()));
	for (const TPair<FString, FString>& Entry : Data)
	{
		Values.push_back({Utf8(Entry.Key), Utf8(Entry.Value)});
	}
	std::optional<uint32_t> Slot;
	if (Npc != nullptr && Npc->HasSlot())
	{
		Slot = Npc->GetHandle().slot;
	}
	const std::string NameUtf8 = Utf8(Name);
	for (int32 Attempt = 0; Attempt < 2; ++Attempt)
	{
		if (ReportRefusal(Driver->events().custom(NameUtf8, Slot, Values)))
		{
			return true;
		}
	}
	return false;
}

bool UAICoreSubsystem::Save(const FString& Slot)
{
	if (Runtime == nullptr)
	{
		return false;
	}
	if (aicore_save(Runtime.get(), Utf8(Slot).c_str()) != AICORE_OK)
	{
		UE_LOG(LogAICore, Error, TEXT("Save(%s): %s"), *Slot, UTF8_TO_TCHAR(aicore_runtime_last_error(Runtime.get())));
		return false;
	}
	return true;
}

bool UAICoreSubsystem::Load(const FString& Slot)
{
	if (Runtime == nullptr)
	{
		return false;
	}
	if (aicore_load(Runtime.get(), Utf8(Slot).c_str()) != AICORE_OK)
	{
		UE_LOG(LogAICore, Error, TEXT("Load(%s): %s"), *Slot, UTF8_TO_TCHAR(aicore_runtime_last_error(Runtime.get())));
		return false;
	}
	return true;
}

bool UAICoreSubsystem::GetStoryFlag(const FString& Name, bool& bTruthy, int64& Value, FString& Text) const
{
	if (Runtime == nullptr)
	{
		return false;
	}
	aicore_story_flag Flag{};
	Flag.struct_size = sizeof(Flag);
	if (aicore_story_flag_get(Runtime.get(), Utf8(Name).c_str(), &Flag) != AICORE_OK)
	{
		bool bAlreadyLogged = false;
		StoryFlagFailuresLogged.Add(Name, &bAlreadyLogged);
		if (!bAlreadyLogged)
		{
			UE_LOG(LogAICore, Warning, TEXT("GetStoryFlag(%s): %s"), *Name, UTF8_TO_TCHAR(aicore_runtime_last_error(Runtime.get())));
		}
		return false;
	}
	// text_size, not the NUL: a string flag may hold a NUL of its own.
	const FUTF8ToTCHAR Converted(Flag.text, static_cast<int32>(Flag.text_size));
	Text = FString(Converted.Length(), Converted.Get());
	Value = Flag.value;
	bTruthy = Flag.type == AICORE_STORY_FLAG_STRING ? Flag.text_size > 0 : Flag.value != 0;
	return true;
}
