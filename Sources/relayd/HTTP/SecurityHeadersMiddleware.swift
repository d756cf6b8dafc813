import HTTPTypes
import Hummingbird

/// The browser-side protections relayd puts on every response: pages, API answers and
/// refusals alike, so no route can forget them.
///
/// The Content-Security-Policy is the second line behind `HTML.escape`: should a value ever
/// reach a page unescaped, the browser still runs no script that did not come from relayd's
/// own files (no inline `<script>`, no `on...=` handlers, no `javascript:` URLs), loads nothing
/// from elsewhere, and lets no other site frame the pages. The pages are built for it: their
/// scripts and style sheets are served under /static and bind their controls with
/// `addEventListener`.
enum SecurityHeaders {
    /// `default-src 'none'` refuses whatever is not listed; `img-src` allows `data:` for the
    /// pages' empty favicon; `connect-src 'self'` covers fetch and the control room's
    /// EventSource. The same policy goes with JSON and images too: there it costs nothing and
    /// covers a response opened directly in a browser tab.
    static let contentSecurityPolicy = contentSecurityPolicy(imageOrigins: [])

    /// The policy with `imageOrigins` added to img-src only: the FieldOps map's configured tile
    /// server (`fieldops.map.tile_url`), whose origin the configuration has already checked is
    /// a bare `scheme://host[:port]`.
    static func contentSecurityPolicy(imageOrigins: [String]) -> String {
        [
            "default-src 'none'", "script-src 'self'", "style-src 'self'", (["img-src 'self' data:"] + imageOrigins).joined(separator: " "),
            "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
        ].joined(separator: "; ")
    }

    // swift-http-types names no Referrer-Policy field; the literal is a valid token.
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!

    static func fields(imageOrigins: [String] = []) -> HTTPFields {
        [
            .contentSecurityPolicy: contentSecurityPolicy(imageOrigins: imageOrigins),
            // A response is only ever what its Content-Type says: no sniffing a JSON answer that
            // holds markup into a page, nor a page into a script.
            .xContentTypeOptions: "nosniff",
            // Page URLs carry record ids; they stay in relayd.
            referrerPolicy: "no-referrer",
        ]
    }
}

/// Adds `SecurityHeaders` to every response. Registered outermost, so it also sees refusals,
/// which the middlewares inside throw rather than return.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    let fields: HTTPFields

    /// `imageOrigins`: origins besides relayd's own that pages may load images from.
    init(imageOrigins: [String] = []) {
        fields = SecurityHeaders.fields(imageOrigins: imageOrigins)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch {
            // What Hummingbird would answer, but with the headers.
            context.logger.error("request failed", metadata: ["http.error": "\(error)"])
            response = Response(status: .internalServerError)
        }
        for field in fields {
            response.headers[field.name] = field.value
        }
        return response
    }
}
