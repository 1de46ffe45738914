import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Progress on stderr (calibration samples, nodes quantized): a bar with samples done and the time left when stderr is a
/// terminal, a plain line per tenth of the work otherwise (logs stay readable).
final class Progress {
    private let enabled: Bool
    private let terminal = isatty(STDERR_FILENO) != 0
    private let start = Date()
    private var lastTenth = -1
    private var drawn = false

    private let activity: (running: String, done: String)
    private let unit: String

    init(enabled: Bool, activity: (running: String, done: String) = ("calibrating", "calibrated"), unit: String = "samples") {
        self.enabled = enabled
        self.activity = activity
        self.unit = unit
    }

    func update(_ done: Int, of total: Int) {
        guard enabled, total > 0 else { return }
        let elapsed = Date().timeIntervalSince(start)
        let remaining = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        if terminal {
            let width = 30, filled = width * done / total
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            fputs("\r\(activity.running) [\(bar)] \(done)/\(total) \(unit), ETA \(Self.format(remaining))   ", stderr)
            drawn = true
        } else if done * 10 / total > lastTenth {
            lastTenth = done * 10 / total
            fputs("\(activity.done) \(done)/\(total) \(unit) (\(Self.format(elapsed)) elapsed)\n", stderr)
        }
    }

    /// Ends the bar's line (on a terminal), so that whatever is printed next starts a line.
    func finish() {
        if drawn { fputs("\n", stderr) }
        drawn = false
    }

    private static func format(_ seconds: Double) -> String {
        seconds < 60 ? String(format: "%.1fs", seconds) : String(format: "%dm%02ds", Int(seconds) / 60, Int(seconds) % 60)
    }
}
