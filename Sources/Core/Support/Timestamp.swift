import Foundation

/// The one textual form of a point in time that Switchboard writes: ISO 8601 in UTC with
/// milliseconds, e.g. `2026-11-29T17:57:53.123Z`. It sorts as text in time order, which
/// SQLite relies on.
package enum Timestamp {
    private static let secondsStyle = Date.ISO8601FormatStyle(timeZone: .gmt)

    /// 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z in milliseconds since 1970: the
    /// span `format` can spell with four-digit years.
    static let formattableMilliseconds: ClosedRange<Int64> = -62_167_219_200_000...253_402_300_799_999

    /// The instants a client may send, in a query or a body: from 1970-01-01T00:00:00Z to
    /// 9998-12-31T23:59:59.999Z. Every database stores these and a month either side (MySQL's
    /// DATETIME ends with year 9999), so windows computed from them never overflow a column.
    package static let acceptedRange: ClosedRange<Date> =
        Date(timeIntervalSince1970: 0)...Date(timeIntervalSince1970: 253_370_764_799.999)

    /// Why a client's time is refused, for error messages.
    package static let acceptedRangeDescription = "between 1970-01-01T00:00:00Z and 9998-12-31T23:59:59Z"

    /// Milliseconds since 1970 rounded from `date`, held to the formattable span (so no date,
    /// however far off or not even finite, makes the conversion trap).
    static func clampedMilliseconds(_ date: Date) -> Int64 {
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
        guard milliseconds.isFinite else {
            return milliseconds < 0 ? formattableMilliseconds.lowerBound : formattableMilliseconds.upperBound
        }
        if milliseconds <= Double(formattableMilliseconds.lowerBound) { return formattableMilliseconds.lowerBound }
        if milliseconds >= Double(formattableMilliseconds.upperBound) { return formattableMilliseconds.upperBound }
        return Int64(milliseconds)
    }

    /// The text form of a date, rounded to the nearest millisecond. Dates outside the years
    /// 0000–9999 are written as the nearest end of that span; nothing Switchboard stores or
    /// accepts comes near it.
    package static func format(_ date: Date) -> String {
        let milliseconds = clampedMilliseconds(date)
        let (seconds, fraction) = floorDivision(milliseconds, by: 1000)
        let (days, secondOfDay) = floorDivision(seconds, by: 86_400)
        let (year, month, day) = CivilCalendar.date(fromDays: days)
        // Written by hand: every stored row and every answer formats timestamps, and this is
        // many times cheaper than a format style.
        var text = ""
        text.reserveCapacity(24)
        text += digits(year, 4) + "-" + digits(month, 2) + "-" + digits(day, 2) + "T"
        text += digits(secondOfDay / 3600, 2) + ":" + digits(secondOfDay % 3600 / 60, 2) + ":" + digits(secondOfDay % 60, 2)
        text += "." + digits(fraction, 3) + "Z"
        return text
    }

    /// `value` in decimal, zero-padded to `width` digits.
    private static func digits(_ value: some BinaryInteger, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    /// Reads ISO 8601 with or without fractional seconds and with `Z` or an offset; also the
    /// `YYYY-MM-DD HH:MM:SS[.fff]` form that SQL databases print. Fractions keep millisecond
    /// precision exactly, so a formatted date reads back equal to `truncated(date)`.
    package static func parse(_ text: String) -> Date? {
        switch parseCanonical(text) {
        case .date(let date): return date
        case .impossible: return nil
        case .otherForm: break
        }
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
        guard let whole = try? secondsStyle.parse(text), let seconds = Int64(exactly: whole.timeIntervalSince1970.rounded(.down)),
            formattableMilliseconds.contains(seconds.multipliedReportingOverflow(by: 1000).partialValue)
        else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(seconds * 1000 + milliseconds) / 1000)
    }

    /// What the fast reader made of a text.
    enum CanonicalParse {
        case date(Date)
        /// The right shape but no such instant (month 13, February 30, hour 24): refused
        /// rather than rolled over into the next month.
        case impossible
        /// Another form (an offset, other precision): left to Foundation.
        case otherForm
    }

    /// The forms databases hand back most — `YYYY-MM-DD[T ]HH:MM:SS[.fff][Z]` in UTC — read by
    /// arithmetic.
    static func parseCanonical(_ text: String) -> CanonicalParse {
        var bytes = Array(text.utf8)
        if bytes.last == UInt8(ascii: "Z") { bytes.removeLast() }
        guard bytes.count == 19 || bytes.count == 23 else { return .otherForm }
        func number(_ start: Int, _ length: Int) -> Int? {
            var value = 0
            for byte in bytes[start..<(start + length)] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
            let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2)
        else { return .otherForm }
        var milliseconds = 0
        if bytes.count == 23 {
            guard bytes[19] == UInt8(ascii: "."), let fraction = number(20, 3) else { return .otherForm }
            milliseconds = fraction
        }
        guard (1...12).contains(month), day >= 1, day <= CivilCalendar.daysIn(month: month, year: year),
            hour < 24, minute < 60, second < 60
        else { return .impossible }
        let days = CivilCalendar.days(year: year, month: month, day: day)
        let total = (days * 86_400 + Int64(hour * 3600 + minute * 60 + second)) * 1000 + Int64(milliseconds)
        return .date(Date(timeIntervalSince1970: TimeInterval(total) / 1000))
    }

    /// A date rounded to the nearest millisecond, the value `format` writes; drivers with a
    /// native timestamp type bind this so all three databases store the same instant.
    package static func rounded(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
    }

    /// A date rounded down to whole milliseconds, the precision every driver stores.
    package static func truncated(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }

    private static func floorDivision(_ value: Int64, by divisor: Int64) -> (Int64, Int64) {
        let quotient = value >= 0 ? value / divisor : (value - divisor + 1) / divisor
        return (quotient, value - quotient * divisor)
    }
}

/// Days since 1970-01-01 ↔ proleptic Gregorian dates (Howard Hinnant's algorithms).
enum CivilCalendar {
    /// The date `days` after 1970-01-01.
    static func date(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Days from 1970-01-01 to a date.
    static func days(year: Int, month: Int, day: Int) -> Int64 {
        let year = Int64(month <= 2 ? year - 1 : year)
        let era = (year >= 0 ? year : year - 399) / 400
        let yearOfEra = year - era * 400
        let dayOfYear = Int64((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1)
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Days in a month of the proleptic Gregorian calendar.
    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
