// The runtime's Python side: the interpreter, the Bridge object, the World over the engine's
// buffers, the watchdog and the Runtime itself, made at create and taken down at destroy;
// and the questions about kinds the C ABI asks it. Every Python name is python_names.h's.
#include "python_side.h"

#include <memory>
#include <string>
#include <utility>

#include "bridge_module.h"
#include "message_text.h"
#include "python_interpreter.h"
#include "python_names.h"
#include "watched_call.h"

namespace aicore::bridge {

namespace names = python_names;
namespace args = python_names::runtime_arguments;

namespace {

// The profile keyword only when the engine named one: otherwise the Runtime's own default;
// the sync keyword only when the engine named a gateway (a SyncConfig of its endpoint and
// keys folder; an empty folder is the Runtime's to report as a problem, not create's).
py::dict optionalArguments(const aicore_runtime& rt, const py::module_& embedding) {
    py::dict kwargs;
    if (!rt.profile.empty()) kwargs[args::kProfile] = rt.profile;
    if (!rt.syncEndpoint.empty()) {
        kwargs[args::kSync] = embedding.attr(names::embedding::kSyncConfig)(
            rt.syncEndpoint, py::arg(names::sync_config_arguments::kKeysDir) = rt.syncKeysDir);
    }
    return kwargs;
}

}  // namespace

aicore_result createPythonSide(aicore_runtime& rt) {
    const InterpreterStatus status = ensureInterpreter(rt.pythonHome, rt.venv);
    if (status.code != AICORE_OK) return rt.fail(status.code, status.message);
    py::gil_scoped_acquire gil;
    try {
        ensureBridgeModule();
        // The one module the bridge imports; everything else comes through it.
        const py::module_ embedding = py::module_::import(names::embedding::kModule);
        py::object bridgeObj = py::cast(&rt, py::return_value_policy::reference);
        py::object world = embedding.attr(names::embedding::kWorld)
                               .attr(names::world::kFromBuffers)(bridgeObj.attr(names::bridge::kWorldBuffers)(),
                                                                 rt.capacity, rt.channels);
        rt.timeoutType = std::make_unique<py::object>(embedding.attr(names::embedding::kScriptTimeoutError));
        const auto packageDir = embedding.attr(names::embedding::kPackageDir).cast<std::string>();
        rt.watchdog = std::make_unique<Watchdog>(rt.timeoutType->ptr(), rt.gate, packageDir);
        // Scripts load (module code, class bodies) under the gate's load budget, set by the
        // runtime; the creation as a whole has only a distant backstop.
        WatchedCall watched(rt, 60'000.0, 120'000.0);
        py::object runtimeCls = embedding.attr(names::embedding::kRuntime);
        py::list dirs;
        for (const auto& d : rt.scriptDirs) dirs.append(d);
        py::list contentRoots;
        for (const auto& d : rt.contentRoots) contentRoots.append(d);
        rt.runtime = std::make_unique<py::object>(runtimeCls(
            world, py::arg(args::kScriptDirs) = dirs, py::arg(args::kContentRoots) = contentRoots,
            py::arg(args::kSaveDir) = rt.saveDir.empty() ? py::object(py::none()) : py::object(py::str(rt.saveDir)),
            py::arg(args::kAudio) = bridgeObj, py::arg(args::kLogSink) = bridgeObj.attr(names::bridge::kLog),
            py::arg(args::kDeadline) = bridgeObj, py::arg(args::kHandlerBudgetS) = rt.handlerBudgetMs / 1000.0,
            py::arg(args::kFrameBudgetS) = rt.frameBudgetMs / 1000.0,
            py::arg(args::kAutosaveEveryS) =
                rt.autosaveSeconds > 0 ? py::object(py::float_(rt.autosaveSeconds)) : py::object(py::none()),
            **optionalArguments(rt, embedding)));
        if (rt.debugPort > 0) {
            embedding.attr(names::embedding::kListenForDebugger)(rt.debugPort);
        }
        // Content systems that are off, content files left out, and scripts that failed to
        // load ("scripts"): fixed at create.
        for (const auto& problem : rt.runtime->attr(names::runtime::kProblems)()) {
            const auto t = problem.cast<py::tuple>();
            aicore_runtime::ContentProblem p;
            p.system = t[0].cast<std::string>();
            p.hasFile = !t[1].is_none();
            if (p.hasFile) p.file = t[1].cast<std::string>();
            p.line = t[2].is_none() ? 0u : t[2].cast<std::uint32_t>();
            p.hasField = !t[3].is_none();
            if (p.hasField) p.field = t[3].cast<std::string>();
            p.reason = t[4].cast<std::string>();
            rt.contentProblems.push_back(std::move(p));
        }
    } catch (py::error_already_set& e) {
        return rt.fail(AICORE_PYTHON_ERROR, std::string("the Python runtime could not start: ") + e.what());
    }
    return AICORE_OK;
}

// Stops a runtime's Python side: the watchdog first (without the GIL: its thread may be
// waiting for it), then Runtime.close() (its threads, its log routing, its script modules),
// the references this runtime holds, and the garbage cycles they leave (the runtime's own
// objects are cyclic; left to the collector, the next create would gc.freeze() them).
void releasePythonSide(aicore_runtime& rt) {
    rt.watchdog.reset();
    if (!rt.runtime && !rt.timeoutType) return;
    py::gil_scoped_acquire gil;
    if (rt.runtime) {
        // Detach the Python side first: its log routing calls back into this runtime.
        try {
            rt.runtime->attr(names::runtime::kClose)();
        } catch (py::error_already_set& e) {
            rt.logMessage(AICORE_LOG_ERROR, std::string("closing the runtime: ") + e.what());
        }
        rt.runtime.reset();
    }
    rt.timeoutType.reset();
    try {
        py::module_::import("gc").attr("collect")();  // runs even while another runtime keeps gc off
    } catch (py::error_already_set&) {
    }
}
// The message for a kind no loaded script defines, with the kinds that are: a misspelling
// is obvious next to the right name (GIL held).
std::string unknownKindMessage(const aicore_runtime& rt, const char* kind) {
    std::string defined;
    for (const py::handle name : rt.runtime->attr(names::runtime::kDefinedKinds))
        defined += (defined.empty() ? "" : ", ") + printable(name.cast<std::string>(), 64);
    return std::string("no loaded NPC script defines kind '") + printable(kind, 64) + "' (defined: " +
           (defined.empty() ? "none" : defined) + ")";
}

// Why `kind` cannot be spawned, or AICORE_OK (GIL held): AICORE_NOT_FOUND for a kind no
// loaded script defines, AICORE_SCRIPT_ERROR for one whose script failed to load.
aicore_result kindRefusal(const aicore_runtime& rt, const char* kind, std::string& why) {
    const py::object refusal = rt.runtime->attr(names::runtime::kSpawnRefusal)(kind);
    if (refusal.is_none()) return AICORE_OK;
    if (refusal.attr(names::spawn_refusal::kCode).cast<std::string>() == names::spawn_refusal_codes::kScriptError) {
        const std::string file = printable(refusal.attr(names::spawn_refusal::kFile).cast<std::string>());
        const py::object line = refusal.attr(names::spawn_refusal::kLine);
        why = "kind '" + printable(kind, 64) + "' is declared in " + file +
              ", which failed to load: " + file + (line.is_none() ? "" : ":" + py::str(line).cast<std::string>()) +
              ": " + refusal.attr(names::spawn_refusal::kReason).cast<std::string>() + " (fix the script: it is reloaded when saved)";
        return AICORE_SCRIPT_ERROR;
    }
    why = unknownKindMessage(rt, kind);
    return AICORE_NOT_FOUND;
}

}  // namespace aicore::bridge
