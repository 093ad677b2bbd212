import Core
import Foundation
import Testing

@Suite("Delivery engine values")
struct EngineValueTests {
    @Test("Default schedule: 1 s, then WEBHOOK_RETRY_DELAY × 3ⁿ, within ±10 % jitter")
    func schedule() {
        let policy = RetryPolicy(maxRetries: 5, baseDelay: .milliseconds(5000))
        let expected: [Double] = [1, 5, 15, 45, 135]
        for (index, seconds) in expected.enumerated() {
            #expect(policy.delay(afterAttempt: index + 1, random: 0)?.seconds == seconds)
            #expect(policy.delay(afterAttempt: index + 1, random: 1)!.seconds <= seconds * 1.1 + 1e-9)
            #expect(policy.delay(afterAttempt: index + 1, random: -1)!.seconds >= seconds * 0.9 - 1e-9)
        }
        #expect(policy.delay(afterAttempt: 6) == nil)
        #expect(RetryPolicy().delay(afterAttempt: 4) == nil, "3 retries by default")
    }

    @Test("Retry-After wins when longer, capped by the maximum")
    func retryAfter() {
        let policy = RetryPolicy(maxRetries: 3, delays: [.seconds(1)], jitter: 0, maxRetryAfter: .seconds(60))
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(30)) == .seconds(30))
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(3600)) == .seconds(60))
        #expect(policy.delay(afterAttempt: 1, retryAfter: .zero) == .seconds(1))
    }

    @Test(
        "Results are classified as the issue says",
        arguments: [
            (200, SendResult.Verdict.success), (204, .success), (408, .retryable), (429, .retryable), (500, .retryable),
            (503, .retryable), (400, .final), (404, .final), (301, .final), (410, .gone),
        ])
    func verdicts(status: Int, verdict: SendResult.Verdict) {
        let result = SendResult(requestHeaders: [], status: status, bodyExcerpt: nil, retryAfter: nil, error: nil, duration: .zero)
        #expect(result.verdict == verdict)
        let failed = SendResult(requestHeaders: [], status: nil, bodyExcerpt: nil, retryAfter: nil, error: "timeout", duration: .zero)
        #expect(failed.verdict == .retryable)
    }

    @Test(
        "Numbers serialise exactly as JavaScript prints them",
        arguments: [
            (0.1, "0.1"), (100, "100"), (-2.5, "-2.5"), (1e21, "1e+21"), (1e20, "100000000000000000000"), (1.5e-7, "1.5e-7"),
            (0.000001, "0.000001"), (1e-7, "1e-7"), (Double("123456789012345680000")!, "123456789012345680000"), (-0.0, "0"),
            (Double.leastNonzeroMagnitude, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"),
            (0.30000000000000004, "0.30000000000000004"),
        ])
    func javaScriptNumbers(value: Double, text: String) {
        #expect(JSONValue.number(value).compactText == text)
    }

    @Test("Signatures follow the X-Webhook-Signature and Standard Webhooks formats")
    func signatures() {
        // Known answer from the Standard Webhooks specification's example secret.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let body = Array(#"{"test": 2432232314}"#.utf8)
        let signature = Signer.standardSignature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1614265330, body: body, secret: secret)
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect(Signer.webhookSignature(body: Array("hello".utf8), secret: "key").hasPrefix("sha256="))
        #expect(
            Signer.webhookSignature(body: Array("hello".utf8), secret: "key")
                == "sha256=9307b3b915efb5171ff14d8cb55fbcc798c6c0ef1456d66ded1a6aa723a58b7b")
    }
}
