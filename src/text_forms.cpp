#include "src/text_forms.hpp"

#include <nlohmann/json.hpp>

namespace preflight {

std::string json_escaped(std::string_view text) {
    std::string quoted = nlohmann::json(std::string(text)).dump(-1, ' ', false,
                                                                 nlohmann::json::error_handler_t::replace);
    return quoted.substr(1, quoted.size() - 2);
}

std::string json_escaped_ascii(std::string_view text) {
    std::string quoted = nlohmann::json(std::string(text)).dump(-1, ' ', true,
                                                                 nlohmann::json::error_handler_t::replace);
    return quoted.substr(1, quoted.size() - 2);
}

std::string xml_escaped(std::string_view text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default: out += c;
        }
    }
    return out;
}

namespace {
std::string percent_encode(std::string_view text, bool space_as_plus) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                          c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
            out += static_cast<char>(c);
        } else if (c == ' ' && space_as_plus) {
            out += '+';
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}
}  // namespace

std::string url_encoded(std::string_view text) { return percent_encode(text, false); }
std::string url_encoded_plus(std::string_view text) { return percent_encode(text, true); }

std::string shell_single_quote_body(std::string_view text) {
    std::string out;
    for (const char c : text) out += c == '\'' ? std::string_view("'\\''") : std::string_view(&c, 1);
    return out;
}

std::string shell_quoted(std::string_view text) {
    // Only what no shell gives a meaning to stays bare (as Python's shlex.quote decides).
    static constexpr std::string_view kBare =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@%+=:,./-";
    if (!text.empty() && text.find_first_not_of(kBare) == std::string_view::npos) return std::string(text);
    return "'" + shell_single_quote_body(text) + "'";
}

std::string base64(std::string_view bytes) {
    static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        unsigned n = (unsigned char)bytes[i] << 16 | (unsigned char)bytes[i + 1] << 8 | (unsigned char)bytes[i + 2];
        out += alphabet[n >> 18 & 63];
        out += alphabet[n >> 12 & 63];
        out += alphabet[n >> 6 & 63];
        out += alphabet[n & 63];
    }
    if (i < bytes.size()) {
        unsigned n = (unsigned char)bytes[i] << 16;
        if (i + 1 < bytes.size()) n |= (unsigned char)bytes[i + 1] << 8;
        out += alphabet[n >> 18 & 63];
        out += alphabet[n >> 12 & 63];
        out += i + 1 < bytes.size() ? alphabet[n >> 6 & 63] : '=';
        out += '=';
    }
    return out;
}

std::vector<std::string> base64_cores(std::string_view text) {
    std::vector<std::string> out;
    for (size_t skip = 0; skip < 3 && skip < text.size(); ++skip) {
        std::string_view rest = text.substr(skip);
        // Only whole 3-byte groups encode the same way whatever follows them.
        out.push_back(base64(rest.substr(0, rest.size() / 3 * 3)));
    }
    return out;
}

}  // namespace preflight
