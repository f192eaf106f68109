import IMAPCore
import Logging

/// What every step of a run shares: both endpoints, the database, what each side can do and
/// how its names are spelt. Steps are written once for a side `t` and `t.other`.
struct SyncSession: Sendable {
    let endpoints: PerSide<any MailboxEndpoint>
    let database: SyncStateDatabase
    let options: SyncRunOptions
    var capabilities = PerSide<EndpointCapabilities>(local: [], remote: [])
    var delimiters = PerSide<Character?>(local: nil, remote: nil)
    var references = PerSide<[UInt8]>(local: [], remote: [])

    var logger: Logger { options.logger }

    /// How to batch appends *to* each side.
    var appendLimits: PerSide<AppendBatchLimits> {
        PerSide { side in
            endpoints[side].appendBatchLimits ?? (capabilities[side].contains(.multiappend) ? .multiappend : .single)
        }
    }

    /// Runs `body` for both sides at once (independent requests to two servers).
    func both<T: Sendable>(_ body: @escaping @Sendable (Side, any MailboxEndpoint) async throws -> T) async throws -> PerSide<T> {
        let local = endpoints.local, remote = endpoints.remote
        async let l = body(.local, local)
        async let r = body(.remote, remote)
        return PerSide(local: try await l, remote: try await r)
    }

    /// The name of a stored mailbox on `side`.
    func wireName(_ name: StoredMailboxName, on side: Side) throws(SyncRunError) -> MailboxName {
        guard let wire = name.mailboxName(delimiter: delimiters[side], reference: references[side]) else {
            throw .unrepresentableName(mailbox: name.description, side: side)
        }
        return wire
    }

    func checkpoint(_ label: String) {
        options.checkpoint?(label)
    }

    /// Step 1: both sides must have what the engine cannot work without.
    mutating func checkCapabilities() async throws {
        capabilities = try await both { _, endpoint in try await endpoint.capabilities() }
        for side in Side.allCases {
            if let missing = capabilities[side].missingRequired.first {
                throw SyncRunError.missingCapability(side, missing)
            }
        }
    }
}
