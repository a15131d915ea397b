#include "aicore/vocal/version.h"

namespace aicore::vocal {

const char* versionString() noexcept { return AICORE_VERSION_STRING; }

}  // namespace aicore::vocal
