// A bare Hummingbird route for scripts/bench/api: reads the JSON body and echoes it (the ceiling of what a
// Hummingbird handler can do on this machine). usage: EchoServer PORT
import Hummingbird

let port = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 18081 : 18081
let router = Router()
router.post("/v1/uploads") { request, context -> Response in
    let body = try await request.body.collect(upTo: 16 << 10)
    return Response(status: .created, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
