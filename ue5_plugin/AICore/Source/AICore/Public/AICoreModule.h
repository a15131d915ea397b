// The AICore module: loads libaicore from the staged runtime and registers aicore.reload and aicore.restart.
#pragma once

#include "CoreMinimal.h"
#include "Modules/ModuleInterface.h"

DECLARE_LOG_CATEGORY_EXTERN(LogAICore, Log, All);

class AICORE_API FAICoreModule : public IModuleInterface
{
public:
	virtual void StartupModule() override;
	virtual void ShutdownModule() override;

	/** The packaged runtime's folder (ThirdParty/AICore/Runtime under the plugin). */
	static FString RuntimeDir();
	/** Whether libaicore was loaded and speaks this plugin's C ABI version. */
	static bool IsLibraryReady();

private:
	void* LibraryHandle = nullptr;
	IConsoleObject* ReloadCommand = nullptr;   // aicore.reload: the changed scripts, now
	IConsoleObject* RestartCommand = nullptr;  // aicore.restart: the whole runtime, content too
};
