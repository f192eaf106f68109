import IMAPCore
import NIOCore

// libFuzzer target over the command encoder's round trip: any bytes as a mailbox name are sent
// (as an atom, quoted string or literal) so that the response parser reads back exactly those
// bytes, and the command splits into parts only after synchronising literal headers.

let prefix = Array("a1 UID MOVE 1:5 ".utf8)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCommandEncoder(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    // The first byte picks the literal flavour, the rest is the name.
    let encoder = CommandEncoder(literalPlus: input[0] & 1 != 0, literalMinus: input[0] & 2 != 0)
    let name = MailboxName(raw: Array(input.dropFirst()))
    guard let uids = UIDSet(parsing: "1:5") else { fatalError("constant UID set") }
    let encoded = encoder.encode(.uidMove(uids, to: name), tag: "a1")

    var wire: [UInt8] = []
    for (i, part) in encoded.parts.enumerated() {
        let bytes = Array(part.readableBytesView)
        if i < encoded.parts.count - 1 && !bytes.ends(with: Array("}\r\n".utf8)) {
            fatalError("a part that is not the last must end with a literal header")
        }
        wire += bytes
    }
    guard wire.starts(with: prefix), wire.ends(with: [0x0D, 0x0A]) else { fatalError("bad command frame") }
    let astring = wire[prefix.count..<(wire.count - 2)]

    var buffer = ByteBuffer(string: "* LIST () \"/\" ")
    buffer.writeBytes(astring)
    buffer.writeString("\r\n")
    var parser = ResponseParser()
    do {
        guard case .untagged(.list(let item))? = try parser.next(&buffer), buffer.readableBytes == 0 else {
            fatalError("the encoded name did not parse as one LIST response")
        }
        if item.mailbox.raw != name.raw { fatalError("name came back as other bytes") }
    } catch {
        fatalError("the encoded name does not parse: \(error)")
    }
    return 0
}

extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
