import Foundation

/// A receiver's `Retry-After` header: a number of seconds or an HTTP date.
package enum RetryAfter {
    /// The longest wait read from a header. The retry policy caps waits far lower
    /// (`RetryPolicy.maxRetryAfter`); this bound only keeps a receiver's number out of
    /// overflowing arithmetic.
    package static let ceiling = 366 * 86_400

    /// The wait the header asks for, or nil when it is neither form.
    package static func parse(_ value: String, now: Date = Date()) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(trimmed), seconds >= 0 { return .seconds(min(seconds, ceiling)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        let seconds = date.timeIntervalSince(now).rounded(.up)
        guard seconds.isFinite else { return nil }
        return .seconds(Int(min(Double(ceiling), max(0, seconds))))
    }
}
