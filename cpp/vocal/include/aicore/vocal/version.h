#pragma once
// Version of the voice core; the same number as the Python package.

namespace aicore::vocal {

/// "MAJOR.MINOR.PATCH", a static string.
const char* versionString() noexcept;

}  // namespace aicore::vocal
