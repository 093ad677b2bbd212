import Foundation

/// The one textual form of a point in time that Switchboard writes: ISO 8601 in UTC with
/// milliseconds, e.g. `2026-11-29T17:57:53.123Z`. It sorts as text in time order, which
/// SQLite relies on.
public enum Timestamp {
    private static let secondsStyle = Date.ISO8601FormatStyle(timeZone: .gmt)

    /// The text form of a date, rounded to the nearest millisecond.
    public static func format(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (seconds, fraction) = floorDivision(milliseconds, by: 1000)
        let whole = secondsStyle.format(Date(timeIntervalSince1970: TimeInterval(seconds)))
        let padded = String(fraction)
        return String(whole.dropLast()) + "." + String(repeating: "0", count: 3 - padded.count) + padded + "Z"
    }

    /// Reads ISO 8601 with or without fractional seconds and with `Z` or an offset; also the
    /// `YYYY-MM-DD HH:MM:SS[.fff]` form that SQL databases print. Fractions keep millisecond
    /// precision exactly, so a formatted date reads back equal to `truncated(date)`.
    public static func parse(_ text: String) -> Date? {
        var text = text.trimmingCharacters(in: .whitespaces)
        guard text.count >= 19 else { return nil }
        let separator = text.index(text.startIndex, offsetBy: 10)
        if text[separator] == " " { text.replaceSubrange(separator...separator, with: "T") }
        var milliseconds: Int64 = 0
        if let dot = text.firstIndex(of: "."), dot > separator {
            let digits = text[text.index(after: dot)...].prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty else { return nil }
            let firstThree = String(digits.prefix(3))
            milliseconds = Int64(firstThree + String(repeating: "0", count: 3 - firstThree.count)) ?? 0
            text.removeSubrange(dot..<text.index(dot, offsetBy: digits.count + 1))
        }
        if text.count == 19 { text += "Z" }
        guard let whole = try? secondsStyle.parse(text) else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(Int64(whole.timeIntervalSince1970) * 1000 + milliseconds) / 1000)
    }

    /// A date rounded to the nearest millisecond, the value `format` writes; drivers with a
    /// native timestamp type bind this so all three databases store the same instant.
    public static func rounded(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
    }

    /// A date rounded down to whole milliseconds, the precision every driver stores.
    public static func truncated(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }

    private static func floorDivision(_ value: Int64, by divisor: Int64) -> (Int64, Int64) {
        let quotient = value >= 0 ? value / divisor : (value - divisor + 1) / divisor
        return (quotient, value - quotient * divisor)
    }
}
