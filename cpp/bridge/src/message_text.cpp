#include "message_text.h"

#include "aicore/codec/utf8.h"

#include <cstdint>

namespace aicore::bridge {

bool isValidUtf8(std::string_view text) noexcept { return codec::isValidUtf8(text); }

std::string printable(std::string_view text, std::size_t maxBytes) {
    static const char kHex[] = "0123456789abcdef";
    std::string out;
    const bool cut = text.size() > maxBytes;
    if (cut) text = text.substr(0, maxBytes);
    out.reserve(text.size() + 8);
    for (std::size_t i = 0; i < text.size();) {
        const auto b = static_cast<std::uint8_t>(text[i]);
        const std::size_t n = codec::utf8SequenceLength(text, i);
        if (n > 1) {
            out.append(text.substr(i, n));
            i += n;
        } else if (n == 1 && b >= 0x20 && b != 0x7F && b != '\\') {
            out.push_back(static_cast<char>(b));
            ++i;
        } else if (b == '\\') {
            out.append("\\\\");
            ++i;
        } else {
            out.append("\\x");
            out.push_back(kHex[b >> 4]);
            out.push_back(kHex[b & 0xF]);
            ++i;
        }
    }
    if (cut) out.append("...");
    return out;
}

}  // namespace aicore::bridge
