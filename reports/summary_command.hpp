#pragma once
// `preflight summary REPORT.json|DIR...`: reads the reports, rolls them up, writes the summary.
#include <iosfwd>
#include <string>
#include <vector>

#include "reports/summary.hpp"

namespace preflight {

/// A summary file asked for with -o.
struct SummaryOutput {
    std::string path;
    SummaryFormat format = SummaryFormat::text;
};

/// The report files named by `inputs`, in order: a file as given; a directory as the *.json
/// entries directly in it whose names do not start with '.', sorted by name (not recursive, any
/// other entry ignored). Returns 0, or 66 with one line per problem on `err` (a directory that
/// cannot be listed: `cannot read directory "D": Permission denied`; one that holds no *.json
/// entry: `no reports in "D": it holds no *.json file`).
int collect_report_paths(const std::vector<std::string>& inputs, std::vector<std::string>& paths, std::ostream& err);

/// The whole command: reads every report of `inputs` (collect_report_paths), and only when every
/// one is a readable preflight.report/v1 report with a verdict, a host and a start time, writes
/// the summary to each of `outputs` (atomically) and in `format` to `out`. Returns the rollup's
/// exit status (0 all ready, 1 one not ready, 2 one unknown); 66 when a report cannot be read
/// (missing, not a regular file, unreadable, over 64 MiB, a directory without reports), else 65
/// when a file is not a preflight report (not JSON, another shape, another schema version) —
/// every problem on `err`, nothing on `out`, no file written; 70 when an output cannot be written.
int run_summary_command(const std::vector<std::string>& inputs, SummaryFormat format,
                        const std::vector<SummaryOutput>& outputs, std::ostream& out, std::ostream& err);

}  // namespace preflight
