import Foundation
import Hummingbird

/// `POST /api/session` logs in with a name and password and sets the session cookie;
/// `GET` says who is logged in; `DELETE` logs out. `GET /login` leads to the page, which
/// shows its own login form.
struct SessionController {
    let access: AccessControl

    func addRoutes(to router: Router<RelaydRequestContext>) {
        router.post("/api/session") { request, context in try await logIn(request, context) }
        router.get("/api/session") { _, context in
            if access.isOpen { return try JSONBody.response(SessionResponse(name: Account.local.name, role: .admin, open: true)) }
            guard let account = context.account else { throw APIError(.unauthorized, "login required") }
            // A reloaded page needs its CSRF token again; a bearer token has none.
            return try JSONBody.response(SessionResponse(name: account.name, role: account.role, csrfToken: context.csrfToken))
        }
        router.delete("/api/session") { request, context in
            if let id = AuthMiddleware.sessionCookie(request) { try await access.logOut(id, from: context.remoteAddress) }
            var response = Response(status: .noContent)
            response.headers[.setCookie] = "\(AuthMiddleware.cookieName)=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"
            return response
        }
        router.get("/login") { _, _ in
            Response(status: .seeOther, headers: [.location: "/"])
        }
    }

    struct LoginRequest: Decodable {
        var name: String
        var password: String
    }

    struct SessionResponse: Encodable {
        var name: String
        var role: Role
        var csrfToken: String?
        var open: Bool?
    }

    private func logIn(_ request: Request, _ context: RelaydRequestContext) async throws -> Response {
        let body = try await APIRequestBody.decode(LoginRequest.self, from: request)
        if access.isOpen { return try JSONBody.response(SessionResponse(name: Account.local.name, role: .admin, open: true)) }
        let outcome = try await access.logIn(name: body.name, password: body.password, from: context.remoteAddress)
        switch outcome {
        case .loggedIn(let account, let id, let csrf):
            var response = try JSONBody.response(SessionResponse(name: account.name, role: account.role, csrfToken: csrf))
            // No Secure flag: relayd serves plain HTTP today; add it once TLS is terminated here.
            response.headers[.setCookie] = "\(AuthMiddleware.cookieName)=\(id); HttpOnly; SameSite=Strict; Path=/"
            return response
        case .refused:
            throw APIError(.unauthorized, "wrong name or password")
        case .rateLimited(let wait):
            var error = APIError(.tooManyRequests, "too many failed logins", detail: "try again in \(wait) s")
            error.headers[.retryAfter] = String(wait)
            throw error
        }
    }
}
