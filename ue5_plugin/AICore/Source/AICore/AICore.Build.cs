// AICore: the UE5 side of AI Core. Links libaicore (the C ABI: its import library from
// ThirdParty/AICore/Win64/ on Windows, the runtime's own lib/libaicore.so on Linux) and stages the packaged runtime (ThirdParty/AICore/Runtime/: bin, lib, python, content,
// npc_scripts; docs/packaging.md) next to a packaged game. The engine glue (event encoding,
// command decoding, the slot map, the frame's call order) is the project's cpp/engine_glue,
// staged into Private/Glue by tools/stage_ue5_plugin.py and compiled here with the engine's
// own toolchain, so no C++ standard library crosses a binary boundary: only the C ABI does.
using System.IO;
using UnrealBuildTool;

public class AICore : ModuleRules
{
	public AICore(ReadOnlyTargetRules Target) : base(Target)
	{
		PCHUsage = PCHUsageMode.UseExplicitOrSharedPCHs;
		CppStandard = CppStandardVersion.Cpp20;
		// The glue reports errors as values and never throws, but the msgpack writer it shares
		// with aicore-host refuses a string over 4 GiB with std::length_error.
		bEnableExceptions = true;
		// The glue's files each keep private helpers in an anonymous namespace: compiled one
		// by one they cannot collide.
		bUseUnity = false;

		PublicDependencyModuleNames.AddRange(new string[] { "Core", "CoreUObject", "Engine", "AudioMixer" });
		PrivateDependencyModuleNames.AddRange(new string[] { "Projects", "SignalProcessing" });

		string ThirdParty = Path.Combine(PluginDirectory, "ThirdParty", "AICore");
		PublicIncludePaths.Add(Path.Combine(ThirdParty, "include"));          // aicore/aicore.h
		PrivateIncludePaths.Add(Path.Combine(ModuleDirectory, "Private", "Glue", "include"));

		if (Target.Platform == UnrealTargetPlatform.Win64)
		{
			// The import library links; the DLL is loaded from the staged runtime by
			// FAICoreModule::StartupModule before the first call (delay-loaded, so a missing
			// runtime is one logged error, not a game that cannot start).
			PublicAdditionalLibraries.Add(Path.Combine(ThirdParty, "Win64", "aicore.lib"));
			PublicDelayLoadDLLs.Add("aicore.dll");
			PublicDefinitions.Add("AICORE_RUNTIME_LIBRARY=TEXT(\"bin/aicore.dll\")");
		}
		else if (Target.Platform == UnrealTargetPlatform.Linux)
		{
			// Linked where it runs from: UBT gives the module an $ORIGIN-relative RPATH to the
			// folder of each library it links, and the staged game keeps the plugin's layout,
			// so the loader finds libaicore.so.1 (and it, $ORIGIN, its libpython) at startup.
			PublicAdditionalLibraries.Add(Path.Combine(ThirdParty, "Runtime", "lib", "libaicore.so"));
			PublicDefinitions.Add("AICORE_RUNTIME_LIBRARY=TEXT(\"lib/libaicore.so.1\")");
		}

		// The whole packaged runtime goes with a packaged game, as it is laid out: libaicore
		// finds CPython and its standard library relative to itself ($ORIGIN; the DLL's own
		// folder on Windows), so the folder is copied, never flattened.
		RuntimeDependencies.Add("$(PluginDir)/ThirdParty/AICore/Runtime/...", StagedFileType.NonUFS);
	}
}
