// aicore-host — the headless engine used by tests and the demo.
// It links only against the C ABI (aicore.h), so whatever it does, UE5 can do.
#include <cstdio>
#include <cstring>

#include "aicore/aicore.h"

namespace {

void printUsage(std::FILE* out) {
    std::fputs(
        "usage: aicore-host [--version] [--help]\n"
        "\n"
        "The headless engine of AI Core: it drives the runtime through the C ABI\n"
        "exactly as a game engine does.\n"
        "\n"
        "  --version   print the host, library and C ABI versions\n"
        "  --help      show this message\n",
        out);
}

}  // namespace

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--version") == 0) {
            if (aicore_api_version() != AICORE_API_VERSION) {
                std::fprintf(stderr, "aicore-host: libaicore speaks C ABI %d, this host needs %d\n",
                             aicore_api_version(), AICORE_API_VERSION);
                return 2;
            }
            std::printf("aicore-host %s (C ABI %d, Python %s)\n", aicore_version(),
                        aicore_api_version(), aicore_python_version());
            return 0;
        }
        if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
            printUsage(stdout);
            return 0;
        }
        std::fprintf(stderr, "aicore-host: unknown option '%s'\n", argv[i]);
        printUsage(stderr);
        return 2;
    }
    printUsage(stdout);
    return 0;
}
