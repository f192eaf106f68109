/// What a `ScriptedIMAPServer` does on a connection, step by step. Built by chaining:
///
///     IMAPScript.greeting()
///         .expectCommand("LOGIN")          // "<tag> LOGIN ..."; remembers the tag
///         .sendTagged("OK LOGIN done")     // "<tag> OK LOGIN done\r\n"
///         .expectCommand("SELECT")
///         .sendLine("* 1 FETCH (BODY[] {100}")
///         .send("only part of the liter")  // a literal cut in the middle
///         .close()
public struct IMAPScript: Sendable {
    public enum Step: Sendable, Equatable {
        /// Write these bytes as they are.
        case send([UInt8])
        /// Write "<last tag> text\r\n" (the tag of the last `expectCommand`, "*" before any).
        case sendTagged(String)
        /// The next line from the client must start with this prefix (exactly).
        case expect(prefix: String)
        /// The next line from the client must be "<tag> NAME ..." (NAME case-insensitive).
        case expectCommand(String)
        /// Close the connection.
        case close
        /// Do nothing more, keep the connection open until the server stops (lines are still recorded).
        case stall
    }

    public private(set) var steps: [Step]

    public init(_ steps: [Step] = []) { self.steps = steps }

    /// A script that starts with a standard greeting.
    public static func greeting(_ line: String = "* OK [CAPABILITY IMAP4rev1 LITERAL+] scripted server ready") -> IMAPScript {
        IMAPScript().sendLine(line)
    }

    public func send(_ text: String) -> IMAPScript { appending(.send(Array(text.utf8))) }
    public func send(bytes: [UInt8]) -> IMAPScript { appending(.send(bytes)) }
    /// Sends `line` followed by CRLF.
    public func sendLine(_ line: String) -> IMAPScript { appending(.send(Array((line + "\r\n").utf8))) }
    public func sendTagged(_ text: String) -> IMAPScript { appending(.sendTagged(text)) }
    public func expect(_ prefix: String) -> IMAPScript { appending(.expect(prefix: prefix)) }
    public func expectCommand(_ name: String) -> IMAPScript { appending(.expectCommand(name)) }
    public func close() -> IMAPScript { appending(.close) }
    public func stall() -> IMAPScript { appending(.stall) }

    private func appending(_ step: Step) -> IMAPScript {
        var copy = self
        copy.steps.append(step)
        return copy
    }
}
