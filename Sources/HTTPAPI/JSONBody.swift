import AirlockCore
import Hummingbird

extension Response {
    static func json(_ status: HTTPResponse.Status, _ body: JSONText, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body.utf8)))
    }
}
