/// A configuration file InterIMAP (or we) would refuse, naming the file, line, section and key.
public struct InterIMAPConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Problem: Hashable, Sendable {
        case cannotRead(String)
        case syntax(text: String)
        case missingSection
        case unknownKey
        /// The value is not accepted; `expected` says what would be (the value itself is not
        /// repeated: it may be a password).
        case invalidValue(expected: String)
        case missingKey
    }

    public var file: String
    public var line: Int?
    /// `default` for keys before any section header.
    public var section: String?
    public var key: String?
    public var problem: Problem

    public init(file: String, line: Int? = nil, section: String? = nil, key: String? = nil, problem: Problem) {
        self.file = file
        self.line = line
        self.section = section
        self.key = key
        self.problem = problem
    }

    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let section { place += ": [\(section)]" }
        if let key { place += " \(key)" }
        switch problem {
        case .cannotRead(let reason): return "\(place): cannot read: \(reason)"
        case .syntax(let text): return "\(place): syntax error: '\(text)'"
        case .missingSection: return "\(place): section missing"
        case .unknownKey: return "\(place): unknown option"
        case .invalidValue(let expected): return "\(place): invalid value (expected \(expected))"
        case .missingKey: return "\(place): required option missing"
        }
    }
}
