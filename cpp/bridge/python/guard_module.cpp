// engine_bridge.native._guard: the watchdog's last resort (escalation.h) for runtimes that no
// native bridge hosts — the sandbox, tools and tests. Private to engine_bridge.core.budget.
#include <pybind11/pybind11.h>

#include "../src/escalation.h"

namespace py = pybind11;

PYBIND11_MODULE(_guard, m) {
    m.doc() = "AI Core: escalate a swallowed budget interrupt (private to engine_bridge.core.budget)";
    m.def(
        "escalate",
        [](unsigned long threadId, py::object exception, const std::string& runtimeDir) {
            return aicore::bridge::escalateInterrupt(threadId, exception.ptr(), runtimeDir);
        },
        py::arg("thread_id"), py::arg("exception"), py::arg("runtime_dir"),
        "Make every line of script code on that thread raise `exception` until it calls "
        "sys.settrace(None). GIL held (it is: this is Python).");
}
