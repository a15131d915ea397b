#pragma once
// The state behind an aicore_runtime handle: configuration, world buffers, message queues,
// metrics, audio and the Python side. Shared by the C ABI (runtime.cpp), the module Python
// sees (bridge_module.cpp) and the Python side's start and stop (python_side.cpp).
#include <Python.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "aicore/aicore.h"
#include "aicore/vocal/clip_bank.h"
#include "aicore/vocal/voice_engine.h"
#include "aicore/vocal/voice_engine_slot.h"
#include "event_validation.h"
#include "watchdog.h"

namespace py = pybind11;

// Clips the bank holds at once (the clip loader warns when a line finds it full).
inline constexpr std::size_t kClipBankCapacity = 512;

struct aicore_runtime {
    // Configuration (copied: the caller's strings are borrowed only during create).
    std::string contentRoot, saveDir, pythonHome, venv;
    std::vector<std::string> contentRoots;  // all of them, in layering order
    std::vector<std::string> scriptDirs;

    // What content did not load (filled once at create, read through the C ABI).
    struct ContentProblem {
        std::string system, file, field, reason;
        bool hasFile = false, hasField = false;
        std::uint32_t line = 0;
    };
    std::vector<ContentProblem> contentProblems;
    aicore_log_fn log = nullptr;
    void* logUser = nullptr;
    std::uint32_t capacity = 0, channels = 0;
    // The documented defaults (aicore.h): create sets every one of these from the config.
    double frameBudgetMs = AICORE_DEFAULT_FRAME_BUDGET_MS, handlerBudgetMs = AICORE_DEFAULT_HANDLER_BUDGET_MS;
    std::uint32_t debugPort = 0;
    std::string profile;            // "" = the store's default profile
    double autosaveSeconds = 0.0;   // game time; <= 0: no autosave
    std::string syncEndpoint;       // "" = no cloud sync
    std::string syncKeysDir;        // the gateway's public key and the game's key pair

    // The saves aicore_saves_refresh listed; their strings are valid until the next refresh.
    struct SaveEntry {
        std::string slot, label, problem;
        bool hasProblem = false, previous = false;
        double savedAt = 0.0;
        std::uint32_t schemaVersion = 0;
    };
    std::vector<SaveEntry> saveList;
    // The slot aicore_saves_pull wrote; its strings are valid until the next pull.
    SaveEntry pulledSave;

    // World buffers: owned here, written by the engine, viewed by numpy.
    std::vector<float> position, velocity, heading, health, custom, playerPosition;
    std::vector<std::uint32_t> perception;
    std::vector<std::uint8_t> alive;

    // Messages.
    aicore::bridge::ValidatedEvents events;               // pending for the next ticks
    std::uint32_t eventsTaken = 0;        // of `events`, how many earlier ticks handed over
    std::uint32_t carriedEvents = 0;      // queued in Python after the last tick
    std::vector<std::uint8_t> eventBatch; // the tick's events as one array, reused per tick
    std::vector<std::uint8_t> commands;   // elements of the pending command array, back to back
    std::uint32_t commandCount = 0;

    aicore_metrics metrics{};
    // Set by every call on the runtime that does not return AICORE_OK (mutable: the const
    // queries report their refusals too).
    mutable std::string lastError;
    std::string kindArchetype;  // aicore_kind_find's answer, valid until the next call
    std::string storyFlagText;  // aicore_story_flag_get's text, valid until the next call

    // Audio: Python starts lines, the audio thread renders. The bank lives as long as the
    // runtime and its clips with it (clips load before audio is prepared and survive a
    // re-prepare; the loader thread never sees it replaced): nothing frees one clip alone,
    // since the clip loader keeps every clip it made for the runtime's life, and the bank
    // goes, clips and all, with aicore_runtime_destroy. Declared before the engines that
    // borrow from it.
    // aicore_audio_prepare swaps a new engine into `audio` (voice_engine_slot.h).
    aicore::vocal::ClipBank bank{kClipBankCapacity};
    aicore::vocal::VoiceEngineSlot audio;
    // The ends of the lines a re-prepare cut (game thread; line_events reports them first).
    std::vector<aicore::vocal::VoiceNotification> endedLines;

    // Python side (touched only with the GIL held).
    std::unique_ptr<py::object> runtime;
    // The exception the watchdog raises: held here for as long as the watchdog may raise it
    // (one reference per runtime, released with it — not one leaked per create).
    std::unique_ptr<py::object> timeoutType;
    std::unique_ptr<aicore::bridge::Watchdog> watchdog;
    // Shared with the scheduler, which marks each handler in it (engine_bridge/core/budget.py).
    alignas(64) std::uint64_t gate[aicore::bridge::kGateWords] = {};

    void logMessage(int level, const std::string& message) const {
        if (log != nullptr) {
            log(logUser, level, message.c_str());
        } else {
            std::fprintf(stderr, "aicore: %s\n", message.c_str());
        }
    }
    aicore_result fail(aicore_result code, std::string message) const {
        lastError = std::move(message);
        return code;
    }
};
