import AirlockCore
public import Hummingbird

/// JSON responses written with keys in a fixed order.
typealias JSONBody = JSONText

extension Response {
    static func json(_ status: HTTPResponse.Status, _ body: JSONText, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: body.rendered)))
    }
}
