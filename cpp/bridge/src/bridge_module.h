#pragma once
// The private module `_aicore_bridge` (bridge_module.cpp): what Python sees of the bridge.

namespace aicore::bridge {

/// Creates the module once per process and registers it in sys.modules (GIL held).
void ensureBridgeModule();

}  // namespace aicore::bridge
