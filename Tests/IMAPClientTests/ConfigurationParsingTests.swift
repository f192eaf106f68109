import Credentials
import Testing
@testable import IMAPClient

@Suite struct ConfigurationParsingTests {
    @Test(arguments: [
        ("imap.example.com:993", "imap.example.com", 993),
        ("imap.example.com", "imap.example.com", 143),
        ("127.0.0.1:1143", "127.0.0.1", 1143),
        ("[::1]:993", "::1", 993),
        ("::1", "::1", 143),
        (" host:10 ", "host", 10),
    ])
    func serverAddresses(text: String, host: String, port: Int) throws {
        let a = try ServerAddress(parsing: text, defaultPort: 143)
        #expect(a.host == host)
        #expect(a.port == port)
    }

    @Test(arguments: ["", "host:0", "host:99999", "host:x", "[::1", ":143"])
    func badServerAddresses(text: String) {
        #expect(throws: IMAPClientError.self) { try ServerAddress(parsing: text, defaultPort: 143) }
    }

    @Test func proxyURLs() throws {
        let p = try ProxyConfiguration(url: "socks5h://user:p%40ss@127.0.0.1:1080")
        #expect(p.remoteResolution)
        #expect(p.username == "user")
        #expect(p.password?.value == "p@ss")
        #expect(p.address == ServerAddress(host: "127.0.0.1", port: 1080))
        #expect(!p.description.contains("p@ss"))
        let local = try ProxyConfiguration(url: "socks5://127.0.0.1")
        #expect(!local.remoteResolution)
        #expect(local.address.port == 1080)
        #expect(throws: IMAPClientError.self) { try ProxyConfiguration(url: "http://127.0.0.1:3128") }
    }

    @Test func secretsNeverPrint() {
        let s = Secret("hunter2")
        #expect("\(s)" == "<redacted>")
        #expect(String(reflecting: s) == "<redacted>")
        var dumped = ""
        dump(s, to: &dumped)
        #expect(!dumped.contains("hunter2"))
        let c = IMAPClientConfiguration(server: .init(host: "h", port: 1), username: "u", password: s)
        var all = ""
        dump(c, to: &all)
        #expect(!all.contains("hunter2"))
    }
}
