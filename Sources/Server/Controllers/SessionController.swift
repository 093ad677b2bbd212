import Core
import Foundation
import HTTPTypes
import Hummingbird

/// `/api/session`: the console's sign-in. `POST` trades an API key (or a single-use link) for
/// a session cookie; `GET` says who is signed in and gives the CSRF token; `DELETE` signs out.
struct SessionController: Sendable {
    let sessions: SessionService
    let verifier: KeyVerifier
    let audit: AuditTrail
    let proxies: ClientAddressResolver
    let policy: SessionPolicy

    func register(on router: Router<SwitchboardRequestContext>, api: APIRouteRegistrar) {
        let controller = self
        // Signing in needs no session or key header: the key is in the body, and it passes the
        // same checks as a Bearer key (failure brake, revocation, expiry, address allowlist).
        router.post("/api/session") { request, context -> APIResponse in
            try await controller.signIn(request, context: context)
        }
        api.add(.getSession) { _, context in
            .success(WhoAmIResponse(context: context, sessions: controller.sessions, policy: controller.policy))
        }
        api.add(.deleteSession) { _, context in
            if let credentials = context.session {
                try await controller.sessions.close(token: credentials.token)
            }
            var answer = APIResponse.success(SignedOutResponse(signedOut: context.session != nil))
            answer.extraHeaders[.setCookie] = SessionCookie.clearing.value
            return answer
        }
    }

    private func signIn(_ request: Request, context: SwitchboardRequestContext) async throws -> APIResponse {
        guard isPrivate(request, context: context) else {
            throw SwitchboardError.badRequest(
                "sign in over HTTPS: the session cookie is only sent over a secure connection (or to this server on loopback); put Switchboard behind a TLS proxy listed in TRUSTED_PROXIES that sets X-Forwarded-Proto",
                code: "https_required")
        }
        let body = try await request.decode(as: SignInBody.self, context: context)
        let key: APIKey
        switch (body.key, body.link) {
        case (let token?, nil):
            key = try await verifier.verify(token: token, clientAddress: context.clientAddress)
        case (nil, let link?):
            key = try await sessions.redeemLink(token: link)
        default:
            throw SwitchboardError.invalid("send either key (an API key, sbk_…) or link (a sign-in link's token, sbl_…)")
        }
        guard key.allows(context.clientAddress) else {
            throw SwitchboardError(
                .forbidden, code: "ip_not_allowed",
                message: "this API key may not be used from \(context.clientAddress?.description ?? "an unknown address")")
        }
        let opened = try await sessions.open(for: key, from: context.clientAddress?.description)
        await audit.record(
            actor: key.id, action: "session.signed_in", targetType: "session", targetID: nil,
            clientAddress: context.clientAddress, changes: .object([("method", .string(body.key != nil ? "key" : "link"))]),
            logger: context.logger)
        let credentials = SessionCredentials(token: opened.token, session: opened.session)
        var answer = APIResponse.success(
            WhoAmIResponse(key: key, credentials: credentials, sessions: sessions, policy: policy), status: .created)
        answer.extraHeaders[.setCookie] = SessionCookie.setting(token: opened.token, maxAge: Int(policy.absoluteTimeout)).value
        return answer
    }

    /// Whether the cookie can travel safely: the request came over HTTPS through a trusted
    /// proxy, or from this machine (browsers treat http://127.0.0.1 and localhost as secure).
    private func isPrivate(_ request: Request, context: SwitchboardRequestContext) -> Bool {
        if let peer = context.peerAddress, proxies.isTrusted(peer),
            request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
        {
            return true
        }
        return context.clientAddress?.isLoopback ?? false
    }
}

/// `POST /api/session`.
struct SignInBody: Decodable {
    var key: String?
    var link: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case key, link
    }
}

/// `GET /api/session`, and the answer to signing in: who the caller is and what it may do.
struct WhoAmIResponse: Encodable, Sendable {
    let keyID: UUID
    let name: String
    let prefix: String
    let permissions: [String]
    let expiresAt: Date?
    /// `session` (the console's cookie) or `bearer`.
    let via: String
    /// For state-changing requests with the cookie; null for Bearer callers.
    let csrfToken: String?
    let sessionExpiresAt: Date?
    let idleTimeoutSeconds: Int?

    enum CodingKeys: String, CodingKey {
        case keyID = "keyId", name, prefix, permissions, expiresAt, via, csrfToken, sessionExpiresAt, idleTimeoutSeconds
    }

    init(key: APIKey, credentials: SessionCredentials?, sessions: SessionService, policy: SessionPolicy) {
        keyID = key.id
        name = key.name
        prefix = key.prefix
        permissions = key.permissions.map(\.rawValue)
        expiresAt = key.expiresAt
        via = credentials == nil ? "bearer" : "session"
        csrfToken = credentials.map { sessions.csrfToken(for: $0.token) }
        sessionExpiresAt = credentials?.session.expiresAt
        idleTimeoutSeconds = credentials == nil ? nil : Int(policy.idleTimeout)
    }

    init(context: AuthenticatedRequestContext, sessions: SessionService, policy: SessionPolicy) {
        self.init(key: context.key, credentials: context.session, sessions: sessions, policy: policy)
    }
}

/// `DELETE /api/session`.
struct SignedOutResponse: Encodable, Sendable {
    let signedOut: Bool
}
