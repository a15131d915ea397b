// The C ABI's story and script calls (aicore.h, "Story flags and script reloading"): a
// story flag read for the engine, and the changed scripts reloaded now, through the
// embedding module's read_story_flag and reload_changed_scripts. Game thread, GIL taken.
#include <Python.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "aicore/aicore.h"
#include "message_text.h"
#include "python_names.h"
#include "runtime_state.h"
#include "watched_call.h"

using aicore::bridge::printable;
using aicore::bridge::WatchedCall;
namespace names = aicore::bridge::python_names;

namespace {

// The smallest aicore_story_flag a caller may pass: the whole first version.
constexpr std::size_t kSmallestStoryFlag = offsetof(aicore_story_flag, text_size) + sizeof(std::size_t);

// A flag read runs no script code; loading scripts has the load budget of each file (the
// gate the script host arms), so the call as a whole needs only a distant backstop, as create.
constexpr double kQueryCpuMs = 10'000.0, kQueryWallMs = 30'000.0;
constexpr double kReloadCpuMs = 60'000.0, kReloadWallMs = 120'000.0;

// Every name story_flag_types lists (a test holds it to FLAG_TYPES), as its C constant.
struct FlagType {
    const char* name;
    std::uint32_t type;
};
constexpr FlagType kFlagTypes[] = {
    {names::story_flag_types::kBool, AICORE_STORY_FLAG_BOOL},
    {names::story_flag_types::kInt, AICORE_STORY_FLAG_INT},
    {names::story_flag_types::kStr, AICORE_STORY_FLAG_STRING},
};

std::uint32_t flagTypeOf(std::string_view name) {
    for (const FlagType& entry : kFlagTypes)
        if (name == entry.name) return entry.type;
    return 0;
}

}  // namespace

extern "C" {

aicore_result aicore_story_flag_get(aicore_runtime* rt, const char* name, aicore_story_flag* out) {
    if (rt == nullptr) return AICORE_INVALID_ARGUMENT;
    if (name == nullptr) return rt->fail(AICORE_INVALID_ARGUMENT, "aicore_story_flag_get: name is NULL");
    if (out == nullptr || out->struct_size < kSmallestStoryFlag)
        return rt->fail(AICORE_INVALID_ARGUMENT,
                        "aicore_story_flag_get: out is NULL or its struct_size does not reach `text_size`");
    if (!aicore::bridge::isValidUtf8(name))
        return rt->fail(AICORE_INVALID_ARGUMENT,
                        "aicore_story_flag_get: name '" + printable(name, 64) + "' is not UTF-8");
    py::gil_scoped_acquire gil;
    aicore_story_flag flag{};
    try {
        WatchedCall watched(*rt, kQueryCpuMs, kQueryWallMs);
        const py::module_ embedding = py::module_::import(names::embedding::kModule);
        const py::object reading = embedding.attr(names::embedding::kReadStoryFlag)(*rt->runtime, name);
        const std::string type = reading.attr(names::story_flag_reading::kType).cast<std::string>();
        flag.type = flagTypeOf(type);
        if (flag.type == 0)
            return rt->fail(AICORE_ERROR, "aicore_story_flag_get: flag '" + printable(name, 64) +
                                              "' holds a type this library does not know: " + printable(type, 32));
        flag.value = reading.attr(names::story_flag_reading::kInteger).cast<std::int64_t>();
        // Kept by the runtime until the next call on it, as aicore.h promises.
        rt->storyFlagText = reading.attr(names::story_flag_reading::kText).cast<std::string>();
    } catch (py::error_already_set& e) {
        const py::module_ embedding = py::module_::import(names::embedding::kModule);
        if (e.matches(embedding.attr(names::embedding::kStoryFlagNotFoundError)))
            return rt->fail(AICORE_NOT_FOUND, "aicore_story_flag_get: " + py::str(e.value()).cast<std::string>());
        return rt->fail(AICORE_ERROR, std::string("aicore_story_flag_get: ") + e.what());
    } catch (const py::cast_error& e) {
        return rt->fail(AICORE_ERROR, std::string("aicore_story_flag_get: ") + e.what());
    }
    flag.text = rt->storyFlagText.c_str();
    flag.text_size = rt->storyFlagText.size();
    const std::size_t size = std::min<std::size_t>(out->struct_size, sizeof flag);
    flag.struct_size = static_cast<std::uint32_t>(size);
    std::memcpy(out, &flag, size);
    return AICORE_OK;
}

aicore_result aicore_scripts_reload(aicore_runtime* rt, uint32_t* out_reloaded) {
    if (rt == nullptr) return AICORE_INVALID_ARGUMENT;
    if (out_reloaded != nullptr) *out_reloaded = 0;
    py::gil_scoped_acquire gil;
    std::string failed;
    std::size_t failures = 0;
    try {
        WatchedCall watched(*rt, kReloadCpuMs, kReloadWallMs);
        const py::module_ embedding = py::module_::import(names::embedding::kModule);
        const py::object outcome = embedding.attr(names::embedding::kReloadChangedScripts)(*rt->runtime);
        if (out_reloaded != nullptr)
            *out_reloaded = outcome.attr(names::scripts_reloaded::kReloaded).cast<std::uint32_t>();
        for (const py::handle failure : outcome.attr(names::scripts_reloaded::kFailures)) {
            ++failures;
            failed += (failed.empty() ? "" : "; ") + printable(py::str(failure).cast<std::string>(), 400);
        }
    } catch (py::error_already_set& e) {
        // Each script's failure is caught in Python; reaching here is the runtime's own bug.
        return rt->fail(AICORE_ERROR, std::string("aicore_scripts_reload: ") + e.what());
    }
    if (failures > 0)
        return rt->fail(AICORE_SCRIPT_ERROR, "aicore_scripts_reload: " + std::to_string(failures) +
                                                 " changed script(s) failed to load; the last good version of each "
                                                 "keeps running: " + failed);
    return AICORE_OK;
}

}  // extern "C"
