import Debugging
import Foundation

/// `qtool debug --format html`: one self-contained page (inline CSS and SVG, no scripts, no
/// network): a bar chart of each activation's SQNR in graph order with the worst highlighted,
/// then the tables.
enum DebugHTMLReport {
    static let worstColor = "#d62728", barColor = "#4e79a7"

    static func render(_ report: DebugReport, top: Int) -> String {
        var page = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>qtool debug: \(escape(report.quantizedModel))</title>
        <style>
        body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
        table{border-collapse:collapse;margin:8px 0 24px}
        th,td{padding:2px 10px;border-bottom:1px solid #ddd;text-align:right}
        th:first-child,td:first-child{text-align:left}
        tr.worst td{background:#fde2e2}
        code{background:#f3f3f3;padding:2px 4px}
        </style></head><body>
        <h1>qtool debug</h1>
        <p><b>\(escape(report.quantizedModel))</b> against <b>\(escape(report.floatModel))</b>: \(report.samples) sample(s), \
        tensors paired by \(escape(report.pairing.rawValue)).</p>

        """
        page += "<h2>SQNR per activation, graph order (worst \(min(top, report.activations.count)) in red)</h2>\n" + chart(report, top: top)
        let worst = Set(DebugTables.worstActivations(report).prefix(top).map(\.pair.name))
        for table in DebugTables.all(report, top: nil) {
            page += "<h2>\(escape(table.title))</h2>\n" + html(table, highlighted: table.headers.first == "tensor" ? worst : [])
        }
        for line in DebugTables.conclusion(report) {
            page += line.hasPrefix("--") ? "<p><code>\(escape(line))</code></p>\n" : "<p>\(escape(line))</p>\n"
        }
        for note in report.notes { page += "<p>note: \(escape(note))</p>\n" }
        return page + "</body></html>\n"
    }

    /// One bar per activation; the scale runs from 0 to the next 10 dB above the best finite
    /// figure (at most 100), a bar under 0 dB is drawn at 0.
    static func chart(_ report: DebugReport, top: Int) -> String {
        let activations = report.activations
        guard !activations.isEmpty else { return "<p>No activation was compared.</p>\n" }
        let worst = Set(DebugTables.worstActivations(report).prefix(top).map(\.pair.name))
        let finite = activations.map(\.againstFloat.sqnrDB).filter(\.isFinite)
        let ceiling = min(100, max(10, ((finite.max() ?? 10) / 10).rounded(.up) * 10))
        let left = 48.0, top = 12.0, plotHeight = 240.0, bottom = 28.0
        let barWidth = max(3, min(24, 960 / Double(activations.count)))
        let width = left + barWidth * Double(activations.count) + 12, height = top + plotHeight + bottom
        var svg = "<svg id=\"sqnr-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(format(width))\" height=\"\(format(height))\" "
            + "viewBox=\"0 0 \(format(width)) \(format(height))\" role=\"img\" aria-label=\"SQNR per activation\">\n"
        for tick in stride(from: 0.0, through: ceiling, by: 10) {
            let y = top + plotHeight * (1 - tick / ceiling)
            svg += "<line x1=\"\(format(left))\" x2=\"\(format(width - 12))\" y1=\"\(format(y))\" y2=\"\(format(y))\" stroke=\"#ddd\"/>"
                + "<text x=\"\(format(left - 6))\" y=\"\(format(y + 4))\" font-size=\"11\" text-anchor=\"end\">\(Int(tick))</text>\n"
        }
        for (i, result) in activations.enumerated() {
            let value = result.againstFloat.sqnrDB
            let clamped = value.isNaN ? 0 : min(max(value, 0), ceiling)
            let barHeight = max(1, plotHeight * clamped / ceiling)
            let isWorst = worst.contains(result.pair.name)
            svg += "<rect class=\"bar\(isWorst ? " worst" : "")\" x=\"\(format(left + barWidth * Double(i) + 0.5))\" "
                + "y=\"\(format(top + plotHeight - barHeight))\" width=\"\(format(max(barWidth - 1, 2)))\" height=\"\(format(barHeight))\" "
                + "fill=\"\(isWorst ? worstColor : barColor)\"><title>\(escape(result.pair.name)) (\(escape(result.pair.op))): "
                + "\(DebugTables.decibels(value)) dB</title></rect>\n"
        }
        svg += "<text x=\"\(format(left))\" y=\"\(format(height - 8))\" font-size=\"11\">graph order →</text>"
            + "<text x=\"12\" y=\"\(format(top + plotHeight / 2))\" font-size=\"11\" transform=\"rotate(-90 12 \(format(top + plotHeight / 2)))\" "
            + "text-anchor=\"middle\">SQNR dB</text>\n</svg>\n"
        return svg
    }

    private static func html(_ table: DebugTable, highlighted: Set<String>) -> String {
        var out = "<table>\n<tr>" + table.headers.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
        for row in table.rows {
            let mark = highlighted.contains(row[0]) ? " class=\"worst\"" : ""
            out += "<tr\(mark)>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n"
        }
        return out + "</table>\n"
    }

    private static func format(_ value: Double) -> String { String(format: "%.1f", value) }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }
}
