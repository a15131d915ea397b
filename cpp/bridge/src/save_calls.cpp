// The C ABI's save calls (aicore.h, "Saves"): save, load, delete and list a profile's slots,
// and pull a cloud save, through the Runtime's methods (engine_bridge/core/runtime.py). The
// store reports every failure as a StoreError whose `kind` is a FaultKind value; a pull's
// own failures are CloudSaveErrors whose `code` is a CloudSaveRefusal value. kFaultResults
// and kCloudResults below are the one place those become result codes. The message is the
// error's own (it names the file or slot), plus the sound saves it offers; nothing here
// reads message text.
#include <Python.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "aicore/aicore.h"
#include "message_text.h"
#include "python_names.h"
#include "runtime_state.h"
#include "watched_call.h"

using aicore::bridge::printable;
using aicore::bridge::WatchedCall;
namespace names = aicore::bridge::python_names;

namespace {

namespace kinds = names::fault_kinds;

struct FaultResult {
    const char* kind;
    aicore_result result;
};

// Every FaultKind (python_names.h lists them all, and a test holds that list to FaultKind).
constexpr FaultResult kFaultResults[] = {
    {kinds::kCorrupt, AICORE_CORRUPT},       {kinds::kSchema, AICORE_CORRUPT},
    {kinds::kDiskFull, AICORE_IO_ERROR},     {kinds::kReadOnly, AICORE_IO_ERROR},
    {kinds::kIo, AICORE_IO_ERROR},           {kinds::kBadPath, AICORE_INVALID_ARGUMENT},
    {kinds::kNoSuchSlot, AICORE_NOT_FOUND},  {kinds::kInUse, AICORE_ERROR},
    {kinds::kClosed, AICORE_ERROR},          {kinds::kNotPlainData, AICORE_ERROR},
    {kinds::kRejected, AICORE_ERROR},
};

aicore_result resultForKind(std::string_view kind) {
    for (const FaultResult& entry : kFaultResults)
        if (kind == entry.kind) return entry.result;
    return AICORE_ERROR;  // a kind added to FaultKind before this table: still a failure
}

namespace codes = names::cloud_save_codes;

// Every CloudSaveRefusal (python_names.h lists them all, and a test holds that list to it).
constexpr FaultResult kCloudResults[] = {
    {codes::kUnavailable, AICORE_UNAVAILABLE}, {codes::kNoSuchSave, AICORE_NOT_FOUND},
    {codes::kCorrupt, AICORE_CORRUPT},         {codes::kTooLarge, AICORE_ERROR},
    {codes::kRefused, AICORE_ERROR},
};

aicore_result resultForCloudCode(std::string_view code) {
    for (const FaultResult& entry : kCloudResults)
        if (code == entry.kind) return entry.result;
    return AICORE_ERROR;
}

// A store call (not script code): the store waits for its writer thread and the disk, so
// only a distant backstop watches it, like create's.
constexpr double kStoreCallCpuMs = 60'000.0, kStoreCallWallMs = 180'000.0;

// Checks a slot argument before Python sees it: NULL and non-UTF-8 are the caller's
// mistakes; every other rule on names is the store's (bad_path).
bool slotArgumentOk(const aicore_runtime& rt, const char* call, const char* slot) {
    if (slot == nullptr) {
        rt.fail(AICORE_INVALID_ARGUMENT, std::string(call) + ": slot is NULL");
        return false;
    }
    if (!aicore::bridge::isValidUtf8(slot)) {
        rt.fail(AICORE_INVALID_ARGUMENT, std::string(call) + ": slot '" + printable(slot, 64) + "' is not UTF-8");
        return false;
    }
    return true;
}

// The result code and last error for a Python exception out of a save call (GIL held).
// `slot` is NULL for the listing.
aicore_result failFromPython(aicore_runtime& rt, const char* call, const char* slot, py::error_already_set& e) {
    const std::string prefix =
        std::string(call) + (slot != nullptr ? " (slot '" + printable(slot, 64) + "')" : std::string()) + ": ";
    const py::module_ embedding = py::module_::import(names::embedding::kModule);
    if (e.matches(embedding.attr(names::embedding::kCloudSaveError))) {
        const std::string code = py::str(e.value().attr(names::cloud_save_error::kCode)).cast<std::string>();
        return rt.fail(resultForCloudCode(code), prefix + py::str(e.value()).cast<std::string>());
    }
    if (!e.matches(embedding.attr(names::embedding::kStoreError))) return rt.fail(AICORE_ERROR, prefix + e.what());
    const py::object error = e.value();
    const std::string kind = py::str(error.attr(names::store_error::kKind)).cast<std::string>();
    std::string message = prefix + py::str(error).cast<std::string>();
    std::string offered;
    for (const py::handle save : error.attr(names::store_error::kOffered)) {
        const py::object name = py::getattr(save, names::save_info::kSlot, py::none());
        if (name.is_none()) continue;
        std::string entry = printable(py::str(name).cast<std::string>(), 64);
        if (py::getattr(save, names::save_info::kPrevious, py::bool_(false)).cast<bool>()) entry += " (previous)";
        offered += (offered.empty() ? "" : ", ") + entry;
    }
    if (!offered.empty()) message += "; sound saves: " + offered;
    return rt.fail(resultForKind(kind), std::move(message));
}

std::string optionalText(const py::object& value) {
    return value.is_none() ? std::string() : py::str(value).cast<std::string>();
}

// A SaveInfo (Python) as the runtime keeps it for the C side (GIL held).
aicore_runtime::SaveEntry entryFrom(const py::handle save) {
    aicore_runtime::SaveEntry entry;
    entry.slot = py::str(save.attr(names::save_info::kSlot)).cast<std::string>();
    entry.label = optionalText(save.attr(names::save_info::kLabel));
    const py::object problem = save.attr(names::save_info::kProblem);
    entry.hasProblem = !problem.is_none();
    if (entry.hasProblem) entry.problem = py::str(problem).cast<std::string>();
    const py::object savedAt = save.attr(names::save_info::kSavedAt);
    entry.savedAt = savedAt.is_none() ? 0.0 : savedAt.cast<double>();
    const py::object version = save.attr(names::save_info::kSchemaVersion);
    entry.schemaVersion = version.is_none() ? 0u : version.cast<std::uint32_t>();
    entry.previous = save.attr(names::save_info::kPrevious).cast<bool>();
    return entry;
}

// The smallest aicore_save_info a caller may pass: up to and including `slot`.
constexpr std::size_t kSmallestSaveInfo = offsetof(aicore_save_info, slot) + sizeof(const char*);

// Writes `entry` into the caller's struct, only the fields its struct_size holds (checked
// to reach `slot` by the caller of this).
void writeSaveInfo(const aicore_runtime::SaveEntry& entry, aicore_save_info* out) {
    aicore_save_info info{};
    info.slot = entry.slot.c_str();
    info.label = entry.label.c_str();
    info.problem = entry.hasProblem ? entry.problem.c_str() : nullptr;
    info.saved_at_unix = entry.savedAt;
    info.schema_version = entry.schemaVersion;
    info.previous = entry.previous ? 1u : 0u;
    const std::size_t size = std::min<std::size_t>(out->struct_size, sizeof info);
    info.struct_size = static_cast<uint32_t>(size);
    std::memcpy(out, &info, size);
}

// A cloud save call (a pull): it waits for the network, up to the sync client's pull
// timeout (60 s by default) plus the check and the write; the backstop stays far beyond.
constexpr double kPullCallCpuMs = 60'000.0, kPullCallWallMs = 300'000.0;

}  // namespace

extern "C" {

aicore_result aicore_save(aicore_runtime* rt, const char* slot) {
    if (rt == nullptr) return AICORE_INVALID_ARGUMENT;
    if (!slotArgumentOk(*rt, "aicore_save", slot)) return AICORE_INVALID_ARGUMENT;
    py::gil_scoped_acquire gil;
    try {
        WatchedCall watched(*rt, kStoreCallCpuMs, kStoreCallWallMs);
        rt->runtime->attr(names::runtime::kSave)(slot);
    } catch (py::error_already_set& e) {
        return failFromPython(*rt, "aicore_save", slot, e);
    }
    return AICORE_OK;
}

aicore_result aicore_load(aicore_runtime* rt, const char* slot) {
    if (rt == nullptr) return AICORE_INVALID_ARGUMENT;
    if (!slotArgumentOk(*rt, "aicore_load", slot)) return AICORE_INVALID_ARGUMENT;
    py::gil_scoped_acquire gil;
    try {
        WatchedCall watched(*rt, kStoreCallCpuMs, kStoreCallWallMs);
        rt->runtime->attr(names::runtime::kLoad)(slot);
    } catch (py::error_already_set& e) {
        return failFromPython(*rt, "aicore_load", slot, e);
    }
    return AICORE_OK;
}

aicore_result aicore_save_delete(aicore_runtime* rt, const char* slot) {
    if (rt == nullptr) return AICORE_INVALID_ARGUMENT;
    if (!slotArgumentOk(*rt, "aicore_save_delete", slot)) return AICORE_INVALID_ARGUMENT;
    py::gil_scoped_acquire gil;
    try {
        WatchedCall watched(*rt, kStoreCallCpuMs, kStoreCallWallMs);
        if (!rt->runtime->attr(names::runtime::kDeleteSave)(slot).cast<bool>())
            return rt->fail(AICORE_NOT_FOUND, "aicore_save_delete: no save in slot '" + printable(slot, 64) + "'");
    } catch (py::error_already_set& e) {
        return failFromPython(*rt, "aicore_save_delete", slot, e);
    }
    return AICORE_OK;
}

aicore_result aicore_saves_refresh(aicore_runtime* rt, uint32_t* out_count) {
    if (rt == nullptr) return AICORE_INVALID_ARGUMENT;
    if (out_count == nullptr) return rt->fail(AICORE_INVALID_ARGUMENT, "aicore_saves_refresh: out_count is NULL");
    *out_count = 0;
    py::gil_scoped_acquire gil;
    try {
        WatchedCall watched(*rt, kStoreCallCpuMs, kStoreCallWallMs);
        const py::list saves = rt->runtime->attr(names::runtime::kSaves)();
        // Built aside, then swapped in: a failure midway leaves the last listing whole.
        std::vector<aicore_runtime::SaveEntry> list;
        list.reserve(saves.size());
        for (const py::handle save : saves) list.push_back(entryFrom(save));
        rt->saveList.swap(list);
    } catch (py::error_already_set& e) {
        return failFromPython(*rt, "aicore_saves_refresh", nullptr, e);
    }
    *out_count = static_cast<uint32_t>(rt->saveList.size());
    return AICORE_OK;
}

aicore_result aicore_saves_pull(aicore_runtime* rt, const char* slot, aicore_save_info* out) {
    if (rt == nullptr) return AICORE_INVALID_ARGUMENT;
    if (out == nullptr || out->struct_size < kSmallestSaveInfo)
        return rt->fail(AICORE_INVALID_ARGUMENT,
                        "aicore_saves_pull: out is NULL or its struct_size does not reach `slot`");
    // NULL is allowed here (the newest save of any slot); only a name must be UTF-8.
    if (slot != nullptr && !slotArgumentOk(*rt, "aicore_saves_pull", slot)) return AICORE_INVALID_ARGUMENT;
    py::gil_scoped_acquire gil;
    try {
        WatchedCall watched(*rt, kPullCallCpuMs, kPullCallWallMs);
        const py::object asked = slot != nullptr ? py::object(py::str(slot)) : py::object(py::none());
        rt->pulledSave = entryFrom(rt->runtime->attr(names::runtime::kPullSave)(asked));
    } catch (py::error_already_set& e) {
        return failFromPython(*rt, "aicore_saves_pull", slot, e);
    }
    writeSaveInfo(rt->pulledSave, out);
    return AICORE_OK;
}

aicore_result aicore_save_info_get(const aicore_runtime* rt, uint32_t index, aicore_save_info* out) {
    // Like aicore_metrics_get: the caller's struct_size says which fields its struct has.
    if (rt == nullptr) return AICORE_INVALID_ARGUMENT;
    if (out == nullptr || out->struct_size < kSmallestSaveInfo)
        return rt->fail(AICORE_INVALID_ARGUMENT,
                        "aicore_save_info_get: out is NULL or its struct_size does not reach `slot`");
    if (index >= rt->saveList.size())
        return rt->fail(AICORE_INVALID_ARGUMENT, "aicore_save_info_get: index " + std::to_string(index) +
                                                     " is not below the count of the last aicore_saves_refresh, " +
                                                     std::to_string(rt->saveList.size()));
    writeSaveInfo(rt->saveList[index], out);
    return AICORE_OK;
}

}  // extern "C"
