#include "src/model.hpp"

namespace preflight {

std::string_view to_string(Severity severity) {
    switch (severity) {
        case Severity::critical: return "critical";
        case Severity::warning: return "warning";
        case Severity::info: return "info";
    }
    return "critical";
}

std::string_view to_string(Status status) {
    switch (status) {
        case Status::pass: return "pass";
        case Status::fail: return "fail";
        case Status::error: return "error";
        case Status::skip: return "skip";
    }
    return "error";
}

Outcome Outcome::pass(std::string message, nlohmann::json observed) {
    return Outcome{Status::pass, std::move(message), std::move(observed), nullptr, {}};
}

Outcome Outcome::fail(std::string message, nlohmann::json observed, nlohmann::json expected) {
    return Outcome{Status::fail, std::move(message), std::move(observed), std::move(expected), {}};
}

Outcome Outcome::error(std::string message, nlohmann::json observed) {
    return Outcome{Status::error, std::move(message), std::move(observed), nullptr, {}};
}

}  // namespace preflight
