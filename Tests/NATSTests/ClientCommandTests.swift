import NIOCore
import Testing
@testable import NATS

@Suite struct ClientCommandTests {
    private func written(_ write: (inout ByteBuffer) -> Void) -> String {
        var buffer = ByteBuffer()
        write(&buffer)
        return String(buffer: buffer)
    }

    @Test func commands() {
        #expect(written { b in [UInt8]("hi".utf8).withUnsafeBytes { b.writePub(subject: "a.b", replyTo: nil, payload: $0) } }
                == "PUB a.b 2\r\nhi\r\n")
        #expect(written { b in [UInt8]().withUnsafeBytes { b.writePub(subject: "a", replyTo: "r.1", payload: $0) } }
                == "PUB a r.1 0\r\n\r\n")
        let block = Array("NATS/1.0\r\n\r\n".utf8)
        #expect(written { b in [UInt8]("xyz".utf8).withUnsafeBytes { b.writeHPub(subject: "a", replyTo: "r", headerBlock: block, payload: $0) } }
                == "HPUB a r 12 15\r\nNATS/1.0\r\n\r\nxyz\r\n")
        #expect(written { $0.writeSub(subject: "orders", queue: "workers", sid: 42) } == "SUB orders workers 42\r\n")
        #expect(written { $0.writeSub(subject: "x.>", queue: nil, sid: 1) } == "SUB x.> 1\r\n")
        #expect(written { $0.writeUnsub(sid: 42, max: 1000) } == "UNSUB 42 1000\r\n")
        #expect(written { $0.writeUnsub(sid: 7, max: nil) } == "UNSUB 7\r\n")
        #expect(written { $0.writePing(); $0.writePong() } == "PING\r\nPONG\r\n")
    }

    @Test(arguments: [0, 9, 10, 99, 100, 12345, 1_048_576, Int.max])
    func decimals(_ value: Int) {
        #expect(written { $0.writeDecimal(value) } == String(value))
    }

    @Test func connectCarriesTheRequiredFieldsAndEscapesStrings() {
        var info = ConnectInfo()
        info.name = "worker \"1\""
        info.user = "u"
        info.password = "p\\w"
        let json = info.json()
        for field in ["\"verbose\":false", "\"pedantic\":false", "\"protocol\":1", "\"headers\":true",
                      "\"no_responders\":true", "\"lang\":\"swift\"", "\"echo\":true",
                      "\"name\":\"worker \\\"1\\\"\"", "\"user\":\"u\"", "\"pass\":\"p\\\\w\""] {
            #expect(json.contains(field), "\(field) in \(json)")
        }
    }

    @Test func subjects() {
        #expect(isValidSubject("a.b.>"))
        #expect(!isValidSubject(""))
        #expect(!isValidSubject("a b"))
        #expect(!isValidSubject("a\tb"))
        #expect(!isValidSubject("a\r\nPUB x 1"))
    }
}
