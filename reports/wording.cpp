#include "reports/wording.hpp"

#include <cstdio>

namespace preflight::wording {

std::string_view status_label(Status status) {
    switch (status) {
        case Status::pass: return "PASS";
        case Status::fail: return "FAIL";
        case Status::error: return "ERROR";
        case Status::skip: return "SKIP";
    }
    return "ERROR";
}

std::string verdict_meaning(const Report& report) {
    const std::string code = " (exit " + std::to_string(report.exit_code) + ")";
    switch (report.exit_code) {
        case 0: return "every selected critical check passed; the gate is open" + code;
        case 1: return "at least one check that closes the gate failed; the host is not ready" + code;
        case 2:
            return "no check failed, but at least one could not be evaluated; the host is not "
                   "known to be ready" + code;
        default: return "the run did not complete; the host is not known to be ready" + code;
    }
}

bool next_code_point(std::string_view text, size_t& pos, char32_t& code_point) {
    const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(pos);
    size_t length = 0;
    char32_t value = 0;
    char32_t minimum = 0;
    if (lead < 0x80) {
        code_point = lead;
        ++pos;
        return true;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2, value = lead & 0x1F, minimum = 0x80;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3, value = lead & 0x0F, minimum = 0x800;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4, value = lead & 0x07, minimum = 0x10000;
    } else {
        ++pos;
        return false;
    }
    if (pos + length > text.size()) {
        ++pos;
        return false;
    }
    for (size_t i = 1; i < length; ++i) {
        const unsigned char next = byte(pos + i);
        if ((next & 0xC0) != 0x80) {
            ++pos;
            return false;
        }
        value = (value << 6) | (next & 0x3F);
    }
    if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
        ++pos;
        return false;
    }
    code_point = value;
    pos += length;
    return true;
}

void append_utf8(std::string& out, char32_t code_point) {
    if (code_point < 0x80) {
        out += static_cast<char>(code_point);
    } else if (code_point < 0x800) {
        out += static_cast<char>(0xC0 | (code_point >> 6));
        out += static_cast<char>(0x80 | (code_point & 0x3F));
    } else if (code_point < 0x10000) {
        out += static_cast<char>(0xE0 | (code_point >> 12));
        out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code_point & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (code_point >> 18));
        out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code_point & 0x3F));
    }
}

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    size_t pos = 0;
    while (pos < text.size()) {
        const size_t start = pos;
        char32_t cp = 0;
        if (!next_code_point(text, pos, cp)) {
            out += "\xEF\xBF\xBD";  // U+FFFD
            continue;
        }
        const bool control = (cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0x7F ||
                             (cp >= 0x80 && cp <= 0x9F);
        if (control) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\x%02X", static_cast<unsigned>(cp));
            out += escaped;
        } else {
            out.append(text.substr(start, pos - start));
        }
    }
    return out;
}

std::string value_text(const nlohmann::json& value) {
    if (value.is_null()) return {};
    if (value.is_string()) return value.get<std::string>();
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

void append_leaves(const nlohmann::json& value, const std::string& path, std::string& out) {
    if ((value.is_object() || value.is_array()) && !value.empty()) {
        if (value.is_object()) {
            for (auto it = value.begin(); it != value.end(); ++it) append_leaves(it.value(), path + "/" + it.key(), out);
        } else {
            for (size_t i = 0; i < value.size(); ++i) append_leaves(value[i], path + "/" + std::to_string(i), out);
        }
        return;
    }
    const std::string text = value.is_string() ? value.get<std::string>()
                                               : value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out += path + ": " + text + "\n";
}

}  // namespace

std::string value_lines(const nlohmann::json& value) {
    if (!value.is_object() && !value.is_array()) return value_text(value) + "\n";
    std::string out;
    append_leaves(value, "", out);
    return out;
}

std::string first_line(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    const size_t newline = text.find('\n');
    if (newline == std::string_view::npos) return std::string(text);
    std::string line(text.substr(0, newline));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line + " \xE2\x80\xA6";
}

}  // namespace preflight::wording
