#include "AICoreModule.h"

#include "AICoreSubsystem.h"
#include "Engine/Engine.h"
#include "Engine/GameInstance.h"
#include "HAL/IConsoleManager.h"
#include "HAL/PlatformProcess.h"
#include "Interfaces/IPluginManager.h"
#include "Misc/Paths.h"
#include "aicore/aicore.h"

DEFINE_LOG_CATEGORY(LogAICore);

namespace
{
bool GLibraryReady = false;
}

FString FAICoreModule::RuntimeDir()
{
	const TSharedPtr<IPlugin> Plugin = IPluginManager::Get().FindPlugin(TEXT("AICore"));
	const FString Base = Plugin.IsValid() ? Plugin->GetBaseDir() : FPaths::Combine(FPaths::ProjectPluginsDir(), TEXT("AICore"));
	return FPaths::ConvertRelativePathToFull(FPaths::Combine(Base, TEXT("ThirdParty"), TEXT("AICore"), TEXT("Runtime")));
}

bool FAICoreModule::IsLibraryReady()
{
	return GLibraryReady;
}

void FAICoreModule::StartupModule()
{
	// Loaded by full path before the first aicore_* call: on Windows the delay-loaded import
	// then binds to this copy; on Linux the loader finds the already loaded soname. Either
	// way a game without its runtime folder logs one error and runs on without AI Core.
	const FString Library = FPaths::Combine(RuntimeDir(), AICORE_RUNTIME_LIBRARY);
	LibraryHandle = FPlatformProcess::GetDllHandle(*Library);
	if (LibraryHandle == nullptr)
	{
		UE_LOG(LogAICore, Error, TEXT("AI Core is off: cannot load %s (is ThirdParty/AICore/Runtime staged? docs/ue5.md)"), *Library);
		return;
	}
	if (aicore_api_version() != AICORE_API_VERSION)
	{
		UE_LOG(LogAICore, Error, TEXT("AI Core is off: %s speaks C ABI %d, this plugin needs %d"), *Library,
			aicore_api_version(), AICORE_API_VERSION);
		return;
	}
	GLibraryReady = true;
	UE_LOG(LogAICore, Log, TEXT("AI Core %s (C ABI %d, Python %s) from %s"), UTF8_TO_TCHAR(aicore_version()),
		aicore_api_version(), UTF8_TO_TCHAR(aicore_python_version()), *Library);

	// Each command runs on the game thread, between two frames, for every running game.
	const auto ForEachSubsystem = [](void (*Action)(UAICoreSubsystem&))
	{
		if (GEngine == nullptr)
		{
			return;
		}
		for (const FWorldContext& Context : GEngine->GetWorldContexts())
		{
			if (UGameInstance* Instance = Context.OwningGameInstance)
			{
				if (UAICoreSubsystem* AICore = Instance->GetSubsystem<UAICoreSubsystem>())
				{
					Action(*AICore);
				}
			}
		}
	};
	ReloadCommand = IConsoleManager::Get().RegisterConsoleCommand(
		TEXT("aicore.reload"),
		TEXT("Reloads every changed AI Core script of every running game now (aicore_scripts_reload): NPCs keep their state; a broken script is logged and its last good version runs on."),
		FConsoleCommandDelegate::CreateLambda([ForEachSubsystem]()
		{
			ForEachSubsystem([](UAICoreSubsystem& AICore) { AICore.ReloadScripts(); });
		}),
		ECVF_Default);
	RestartCommand = IConsoleManager::Get().RegisterConsoleCommand(
		TEXT("aicore.restart"),
		TEXT("Restarts the AI Core runtime of every running game: content and scripts are read again, NPC memory and story are kept through a save."),
		FConsoleCommandDelegate::CreateLambda([ForEachSubsystem]()
		{
			ForEachSubsystem([](UAICoreSubsystem& AICore) { AICore.RestartRuntime(); });
		}),
		ECVF_Default);
}

void FAICoreModule::ShutdownModule()
{
	for (IConsoleObject** Command : {&ReloadCommand, &RestartCommand})
	{
		if (*Command != nullptr)
		{
			IConsoleManager::Get().UnregisterConsoleObject(*Command);
			*Command = nullptr;
		}
	}
	// The library stays loaded: the embedded interpreter it started cannot be finalised
	// (aicore.h), and unloading code that Python's threads may still return into would crash.
	GLibraryReady = false;
}

IMPLEMENT_MODULE(FAICoreModule, AICore)
