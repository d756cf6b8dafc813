import Foundation
import Hummingbird
import VideoRelay

/// Live JPEG thumbnails of each source and of the program (what the control room's tiles and
/// monitors show). Every fetch is a viewer: it keeps the pictures coming (`markWatched`), so a
/// first fetch that finds none yet starts them.
struct ThumbnailController<Context: RequestContext> {
    let thumbnails: ThumbnailMaker

    func addRoutes(to router: Router<Context>) {
        router.get("/api/sources/{id}/thumbnail.jpg") { _, context in
            // Source ids arrive percent-encoded from the page (encodeURIComponent).
            let encoded = try context.parameters.require("id")
            let id = encoded.removingPercentEncoding ?? encoded
            guard id != RelayConfiguration.programResource, thumbnails.makes(id) else {
                throw APIError(.notFound, "unknown source", detail: id)
            }
            return try image(of: id)
        }
        router.get("/api/program/thumbnail.jpg") { _, _ in try image(of: RelayConfiguration.programResource) }
    }

    private func image(of resource: String) throws -> Response {
        thumbnails.markWatched()
        guard let thumbnail = thumbnails.thumbnail(of: resource) else {
            throw APIError(.notFound, "no thumbnail yet", detail: resource)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "image/jpeg",
                // Each picture is replaced within a second; the page asks with ?seq= anyway.
                .cacheControl: "no-store",
                ThumbnailHeader.capturedAt: thumbnail.capturedAt.formatted(.iso8601),
                ThumbnailHeader.sequence: String(thumbnail.sequence),
                ThumbnailHeader.stale: thumbnail.isStale ? "true" : "false",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: thumbnail.jpeg)))
    }
}

/// The thumbnail's own response headers.
enum ThumbnailHeader {
    // HTTPField itself is not re-exported by Hummingbird; it is HTTPFields' element type.
    // The names are valid header tokens, so the initialiser cannot fail.
    static let capturedAt = HTTPFields.Element.Name("X-Thumbnail-Captured-At")!
    static let sequence = HTTPFields.Element.Name("X-Thumbnail-Seq")!
    /// "true" once the resource has gone silent and the picture is its last.
    static let stale = HTTPFields.Element.Name("X-Thumbnail-Stale")!
}
