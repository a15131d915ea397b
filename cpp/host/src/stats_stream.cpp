#include "stats_stream.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace aicore::host {

StatsStream::StatsStream(const std::string& path) : file_(std::fopen(path.c_str(), "w")) {
    if (file_ == nullptr)
        throw std::runtime_error(path + ": cannot be written: " + std::strerror(errno));
}

StatsStream::~StatsStream() {
    if (file_ != nullptr) std::fclose(file_);
}

void StatsStream::addFrame(double ms) noexcept {
    frameMs_[count_ % frameMs_.size()] = ms;
    ++count_;
}

std::string StatsStream::formatLine(const SecondStats& s, const double* frameMs, std::size_t count) {
    std::array<double, kFramesPerSecond> sorted{};
    const std::size_t n = std::min(count, sorted.size());
    std::copy(frameMs, frameMs + n, sorted.begin());
    std::sort(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(n));
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) sum += sorted[i];
    // Nearest rank, as the final report's percentiles: a time that was measured.
    const double p50 = n == 0 ? 0.0 : sorted[(n + 1) / 2 - 1];
    const double max = n == 0 ? 0.0 : sorted[n - 1];
    const double mean = n == 0 ? 0.0 : sum / static_cast<double>(n);
    char line[320];
    std::snprintf(line, sizeof line,
                  "{\"frame\":%llu,\"seconds\":%.6f,\"frames\":%zu,\"frame_ms_p50\":%.6f,"
                  "\"frame_ms_max\":%.6f,\"frame_ms_mean\":%.6f,\"npcs\":%u,\"script_errors\":%llu}\n",
                  static_cast<unsigned long long>(s.frame), s.seconds, n, p50, max, mean, s.npcs,
                  static_cast<unsigned long long>(s.scriptErrors));
    return line;
}

bool StatsStream::endSecond(const SecondStats& second) {
    if (failed_) return false;
    const std::string line = formatLine(second, frameMs_.data(), std::min(count_, frameMs_.size()));
    count_ = 0;
    if (std::fputs(line.c_str(), file_) == EOF || std::fflush(file_) != 0) failed_ = true;
    return !failed_;
}

}  // namespace aicore::host
