import Debugging

/// `qtool debug --format text`: aligned tables for a terminal, worst first.
enum DebugTextReport {
    static func render(_ report: DebugReport, top: Int) -> String {
        var out = "\(report.quantizedModel) against \(report.floatModel): \(report.samples) sample(s), "
            + "tensors paired by \(report.pairing.rawValue)\n"
        for table in DebugTables.all(report, top: top) {
            out += "\n" + table.title + "\n" + aligned(table)
        }
        let conclusion = DebugTables.conclusion(report)
        if !conclusion.isEmpty { out += "\n" + conclusion.joined(separator: "\n") + "\n" }
        for note in report.notes { out += "note: \(note)\n" }
        return out
    }

    /// Left-aligned names, right-aligned figures, two spaces between columns.
    private static func aligned(_ table: DebugTable) -> String {
        guard !table.rows.isEmpty else { return "  (none)\n" }
        let all = [table.headers] + table.rows
        let widths = table.headers.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            "  " + row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 || column == 1 && table.headers[1] == "op" ? cell + pad : pad + cell
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }.joined(separator: "\n") + "\n"
    }
}

private extension String {
    func trimmingTrailingSpaces() -> String {
        var result = self
        while result.last == " " { result.removeLast() }
        return result
    }
}
