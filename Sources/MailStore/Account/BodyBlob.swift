import GRDB
import GRDBSQLite

/// Reads part of a stored body with incremental blob I/O: only the pages holding those bytes are
/// read, so a body is streamed without ever being in memory whole.
enum BodyBlob {
    static func read(_ db: Database, id: Int64, offset: Int, length: Int) throws -> [UInt8]? {
        guard offset >= 0, length >= 0 else { throw MailStoreError.invalidArgument("body range \(offset)+\(length)") }
        var blob: OpaquePointer?
        let opened = sqlite3_blob_open(db.sqliteConnection, "main", "bodies", "raw", id, 0, &blob)
        defer { if blob != nil { sqlite3_blob_close(blob) } }
        // SQLITE_ERROR: no such row (the body was freed).
        if opened == SQLITE_ERROR { return nil }
        guard opened == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: opened), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
        let size = Int(sqlite3_blob_bytes(blob))
        guard offset < size else { return [] }
        let count = min(length, size - offset)
        var bytes = [UInt8](repeating: 0, count: count)
        let code = bytes.withUnsafeMutableBytes { buffer in
            sqlite3_blob_read(blob, buffer.baseAddress, Int32(count), Int32(offset))
        }
        guard code == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
        return bytes
    }
}
